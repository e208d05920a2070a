#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CEthtool

/// A failed ethtool request: which command, on which interface, and the kernel's errno.
public struct EthtoolError: Error, Equatable, CustomStringConvertible {
    /// `ETHTOOL_GRSSH`, `ETHTOOL_SRSSH`, ... or the C call that failed.
    public let operation: String
    public let interface: String
    public let errno: Int32

    public init(operation: String, interface: String, errno: Int32) {
        self.operation = operation
        self.interface = interface
        self.errno = errno
    }

    public var description: String { "\(interface): \(operation): \(String(cString: strerror(errno)))" }
}

/// One network interface, reached through the `SIOCETHTOOL` ioctl (the request/reply half of
/// ethtool that every Linux driver implements). Reads need no privilege; writes need
/// CAP_NET_ADMIN in the interface's network namespace.
public final class EthtoolDevice: Sendable {
    public let interface: String
    private let socket: Int32

    /// Fails with ENODEV when no interface has this name in the current network namespace.
    public init(interface: String) throws(EthtoolError) {
        guard if_nametoindex(interface) != 0 else {
            throw EthtoolError(operation: "if_nametoindex", interface: interface, errno: errno)
        }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw EthtoolError(operation: "socket", interface: interface, errno: errno) }
        self.interface = interface
        self.socket = socket
    }

    deinit { close(socket) }

    /// Runs one command whose whole request and reply live in `command`.
    func run<Command>(_ name: String, _ command: inout Command) throws(EthtoolError) {
        let result = withUnsafeMutableBytes(of: &command) { rsspp_ethtool(socket, interface, $0.baseAddress) }
        if result != 0 { throw EthtoolError(operation: name, interface: interface, errno: -result) }
    }

    /// Runs one command whose reply does not fit a fixed struct (a header and a variable tail).
    func run(_ name: String, _ buffer: UnsafeMutableRawBufferPointer) throws(EthtoolError) {
        let result = rsspp_ethtool(socket, interface, buffer.baseAddress)
        if result != 0 { throw EthtoolError(operation: name, interface: interface, errno: -result) }
    }
}
