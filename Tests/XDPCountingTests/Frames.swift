#if canImport(Glibc)
import Glibc
#endif
import RSSHash
import Testing
import TestSupport

/// Variations on an untagged Ethernet frame from `TestPacket`, for the parser's corner cases.
enum FrameEdit {
    static let ethernetHeader = 14

    /// `tags` VLAN tags after the MAC addresses, the outer one 802.1ad when there are several.
    static func tagged(_ frame: [UInt8], _ tags: [UInt16]) -> [UInt8] {
        var tagBytes: [UInt8] = []
        for (index, tag) in tags.enumerated() {
            let type: UInt16 = index == 0 && tags.count > 1 ? 0x88a8 : 0x8100
            tagBytes += [UInt8(type >> 8), UInt8(type & 0xff), UInt8(tag >> 8), UInt8(tag & 0xff)]
        }
        return Array(frame[..<12]) + tagBytes + frame[12...]
    }

    /// An IPv4 frame turned into a first fragment (more-fragments flag set).
    static func fragment(_ frame: [UInt8]) -> [UInt8] {
        var frame = frame
        frame[ethernetHeader + 6] = 0x20
        frame[ethernetHeader + 7] = 0
        return frame
    }

    /// An IPv6 frame with an extension header (`type`: 0 hop-by-hop, 43 routing, 44 fragment,
    /// 60 destination options) of `units` + 1 eight-byte units before its L4 header.
    static func ipv6Extension(_ frame: [UInt8], type: UInt8, units: UInt8 = 0) -> [UInt8] {
        let nextHeaderOffset = ethernetHeader + 6
        let l4 = ethernetHeader + 40
        let header = [frame[nextHeaderOffset], units] + [UInt8](repeating: 0, count: Int(units) * 8 + 6)
        var edited = Array(frame[..<l4]) + header + frame[l4...]
        edited[nextHeaderOffset] = type
        return edited
    }
}
