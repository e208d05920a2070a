#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CEthtool

/// One of a device's features as `ethtool -k` shows it: on or off, and whether the driver lets
/// it be switched (`[fixed]` when not).
public struct FeatureState: Equatable, Sendable {
    public var active: Bool
    public var changeable: Bool
}

extension EthtoolDevice {
    /// The feature `ethtool -k` names `name` (`rx-hashing`, ...); nil when the kernel has none by
    /// that name. Feature bits are numbered by the running kernel: their names come first.
    public func feature(_ name: String) throws(EthtoolError) -> FeatureState? {
        let stringSet = ETH_SS_FEATURES.rawValue
        // struct ethtool_sset_info: cmd, reserved, the 64-bit set mask (its low word first on the
        // little-endian machines Linux XDP runs on), then one count per set the kernel knows.
        let info = try request("ETHTOOL_GSSET_INFO", bytes: 20, header: [UInt32(ETHTOOL_GSSET_INFO), 0, 1 << stringSet])
        guard word(info, 2) & (1 << stringSet) != 0 else { return nil }
        let count = Int(word(info, 4))
        // struct ethtool_gstrings: cmd, string_set, len, then len names of ETH_GSTRING_LEN bytes.
        let nameLength = Int(ETH_GSTRING_LEN)
        let strings = try request("ETHTOOL_GSTRINGS", bytes: 12 + count * nameLength,
                                  header: [UInt32(ETHTOOL_GSTRINGS), stringSet, UInt32(count)])
        guard let index = (0..<count).first(where: { index in
            let start = 12 + index * nameLength
            return String(decoding: strings[start..<start + nameLength].prefix { $0 != 0 }, as: UTF8.self) == name
        }) else { return nil }
        // struct ethtool_gfeatures: cmd, size, then per 32 features: available, requested, active, never_changed.
        let blocks = (count + 31) / 32
        let features = try request("ETHTOOL_GFEATURES", bytes: 8 + blocks * 16,
                                   header: [UInt32(ETHTOOL_GFEATURES), UInt32(blocks)])
        let block = 2 + 4 * (index / 32), bit = UInt32(1) << (index % 32)
        return FeatureState(active: word(features, block + 2) & bit != 0,
                            changeable: word(features, block) & ~word(features, block + 3) & bit != 0)
    }

    /// Runs `name` on `bytes` zeroed bytes that start with the 32-bit words `header`; the reply.
    private func request(_ name: String, bytes: Int, header: [UInt32]) throws(EthtoolError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        for (index, value) in header.enumerated() { buffer.storeBytes(of: value, toByteOffset: index * 4, as: UInt32.self) }
        try run(name, buffer)
        return Array(buffer)
    }
}

/// The 32-bit word at `index` of an ethtool reply.
private func word(_ reply: [UInt8], _ index: Int) -> UInt32 {
    reply[index * 4..<index * 4 + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
}
