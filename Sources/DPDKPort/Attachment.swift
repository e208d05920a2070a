import CDPDKSecondary
import DPDKProxy
import RssppDPDK
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The process's attachment to one DPDK primary. EAL starts once per process (its start-up
/// is the expensive part), so every source and target of the same primary shares it, and a
/// second primary in the same process is refused.
enum Attachment {
    /// Extra EAL arguments for the secondary, e.g. `-a 0000:03:00.0` for a PCI port.
    static let environmentVariable = "RSSPP_DPDK_EAL"

    private static let attached = Mutex<String?>(nil)

    static func attach(_ device: DPDKDevice) throws(DPDKError) {
        let result: Result<Void, DPDKError> = attached.withLock { prefix in
            if let prefix {
                guard prefix == device.filePrefix else {
                    return .failure(DPDKError("\(device): this process is already attached to the DPDK primary with file prefix \"\(prefix)\"; one process serves one primary"))
                }
                return .success(())
            }
            let extra = getenv(environmentVariable).map { String(cString: $0) }
            let failure = withErrorBuffer { rsspp_secondary_attach(device.filePrefix, extra, $0, $1) }
            if let failure { return .failure(DPDKError("\(device): \(failure)")) }
            prefix = device.filePrefix
            return .success(())
        }
        try result.get()
    }

    static func facts(_ device: DPDKDevice) throws(DPDKError) -> rsspp_port_facts {
        var facts = rsspp_port_facts()
        let failure = withErrorBuffer { rsspp_secondary_port(device.port, &facts, $0, $1) }
        if let failure { throw DPDKError("\(device): \(failure)") }
        return facts
    }

    /// The port's rsspp block. Without one the primary does not count with the library; its
    /// RETA can still be read and written, so nil unless `required`. A block of another
    /// layout version is always an error.
    static func block(_ device: DPDKDevice, required: Bool) throws(DPDKError) -> UnsafeMutablePointer<rsspp_block>? {
        var block: UnsafeMutablePointer<rsspp_block>?
        var status: Int32 = 0
        let failure = withErrorBuffer { buffer, size in
            status = rsspp_secondary_block(device.port, &block, buffer, size)
            return status
        }
        if status == -ENOENT && !required { return nil }
        if let failure { throw DPDKError("\(device): \(failure)") }
        return block
    }
}

/// Runs a C call that reports failure as non-zero with a message in a buffer; returns the
/// message, or nil on success.
func withErrorBuffer(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
    var buffer = [CChar](repeating: 0, count: 1024)
    let status = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
    return status == 0 ? nil : cString(buffer)
}

/// The library's message for the last failure on this thread.
func libraryError() -> String {
    String(cString: rsspp_error())
}

/// A NUL-terminated C string held in a buffer or a fixed-size C array.
func cString<Buffer: Collection>(_ buffer: Buffer) -> String where Buffer.Element == CChar {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
