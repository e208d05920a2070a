/// `dpdk:PORT[@FILE_PREFIX]`: port PORT of the DPDK primary started with
/// `--file-prefix FILE_PREFIX` (DPDK's default prefix, `rte`, when omitted).
public struct DPDKDevice: Equatable, Sendable, CustomStringConvertible {
    public static let scheme = "dpdk:"
    public static let defaultFilePrefix = "rte"

    public var port: UInt16
    public var filePrefix: String

    public init(port: UInt16, filePrefix: String = DPDKDevice.defaultFilePrefix) {
        self.port = port
        self.filePrefix = filePrefix
    }

    public init(parsing text: String) throws(DPDKError) {
        guard text.hasPrefix(DPDKDevice.scheme) else {
            throw DPDKError("\"\(text)\" is not a DPDK device; expected dpdk:PORT[@FILE_PREFIX]")
        }
        let rest = text.dropFirst(DPDKDevice.scheme.count)
        let parts = rest.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = UInt16(parts[0]) else {
            throw DPDKError("\"\(text)\": port \"\(parts[0])\" is not a port number; expected dpdk:PORT[@FILE_PREFIX]")
        }
        var prefix = DPDKDevice.defaultFilePrefix
        if parts.count == 2 {
            prefix = String(parts[1])
            guard !prefix.isEmpty, !prefix.contains("/") else {
                throw DPDKError("\"\(text)\": file prefix \"\(prefix)\" must be non-empty and without \"/\"")
            }
        }
        self.init(port: port, filePrefix: prefix)
    }

    /// The device string records carry: always with the prefix, so that it names one primary.
    public var description: String { "\(DPDKDevice.scheme)\(port)@\(filePrefix)" }
}

public struct DPDKError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
