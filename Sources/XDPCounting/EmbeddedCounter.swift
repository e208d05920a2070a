/// The compiled bpf/rss_count.bpf.c, embedded at build time by the BPFObjectPlugin.
enum EmbeddedCounter {
    /// The object's bytes, decoded once; libbpf reads them until the object is loaded, so they
    /// live as long as the process.
    nonisolated(unsafe) static let object: UnsafeRawBufferPointer = {
        let hex = Array(embeddedCounterObjectHex.utf8)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: hex.count / 2, alignment: 8)
        for index in 0..<bytes.count {
            bytes[index] = digitValue(hex[2 * index]) << 4 | digitValue(hex[2 * index + 1])
        }
        return UnsafeRawBufferPointer(bytes)
    }()

    private static func digitValue(_ digit: UInt8) -> UInt8 {
        digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10
    }
}
