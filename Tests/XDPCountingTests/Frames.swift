#if canImport(Glibc)
import Glibc
#endif
import RSSHash
import Testing

/// Builds Ethernet frames for the counter tests: optional VLAN tags, IPv4 or IPv6 (with
/// extension headers or fragments), then TCP, UDP or SCTP ports.
struct Frame {
    static let tcp: UInt8 = 6, udp: UInt8 = 17, sctp: UInt8 = 132

    var vlanTags: [UInt16] = []
    var source: [UInt8]
    var destination: [UInt8]
    var ipProtocol: UInt8 = Frame.tcp
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    /// IPv4 flags and fragment offset field (0x2000: more fragments).
    var fragmentField: UInt16 = 0
    /// IPv6 extension headers before the L4 header: (type, length in 8-byte units minus one).
    var ipv6Extensions: [(type: UInt8, units: UInt8)] = []

    var isIPv6: Bool { source.count == 16 }

    init(_ flow: FlowTuple, ipProtocol: UInt8) {
        source = flow.source
        destination = flow.destination
        self.ipProtocol = ipProtocol
        sourcePort = flow.sourcePort
        destinationPort = flow.destinationPort
    }

    var bytes: [UInt8] {
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]
        for (index, tag) in vlanTags.enumerated() {
            frame += be16(index == 0 && vlanTags.count > 1 ? 0x88a8 : 0x8100) + be16(tag)
        }
        frame += be16(isIPv6 ? 0x86dd : 0x0800)
        let transport = transportHeader
        if isIPv6 {
            var extensions: [UInt8] = []
            var next = ipProtocol
            for header in ipv6Extensions.reversed() {
                extensions = [next, header.units] + [UInt8](repeating: 0, count: Int(header.units) * 8 + 6) + extensions
                next = header.type
            }
            let payloadLength = extensions.count + transport.count
            frame += [0x60, 0, 0, 0] + be16(UInt16(payloadLength)) + [next, 64] + source + destination
            frame += extensions
        } else {
            frame += [0x45, 0] + be16(UInt16(20 + transport.count)) + [0, 1] + be16(fragmentField)
            frame += [64, ipProtocol, 0, 0] + source + destination
        }
        return frame + transport
    }

    private var transportHeader: [UInt8] {
        let ports = be16(sourcePort) + be16(destinationPort)
        switch ipProtocol {
        case Frame.tcp: return ports + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0]
        case Frame.udp: return ports + [0, 8, 0, 0]
        case Frame.sctp: return ports + [UInt8](repeating: 0, count: 8)
        default: return [UInt8](repeating: 0xab, count: 8)
        }
    }
}

func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

/// An ARP request: a frame RSS does not hash.
let arpFrame: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 2, 0x08, 0x06,
                         0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 2, 10, 0, 0, 2,
                         0, 0, 0, 0, 0, 0, 10, 0, 0, 1]

/// Root-only tests (BPF, network namespaces) run as root, and always under CI, where a
/// missing privilege must fail rather than skip.
let privilegedTestsEnabled = getuid() == 0 || getenv("CI").map { String(cString: $0) == "true" } == true
let privilegeNote: Comment = "needs root (BPF and network namespaces); runs always under CI=true"
