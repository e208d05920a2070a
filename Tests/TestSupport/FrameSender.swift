#if canImport(Glibc)
import Glibc
#endif

/// Raw Ethernet frames written into an interface of a test's network namespace: the host side
/// of the QEMU guest's tap, the peer end of a veth pair.
public final class FrameSender {
    private let interface: String
    private let socket: Int32

    public init(interface: String, in namespace: NetworkNamespace) throws {
        self.interface = interface
        socket = try namespace.packetSocket(on: interface)
    }

    deinit { close(socket) }

    /// Sends `frames` in bursts with pauses, slow enough for the receiver to take every one:
    /// a tap queue or veth ring that fills drops frames, and the counts must be exact.
    public func send(_ frames: [[UInt8]], burst: Int = 32, pause: Double = 0.005) throws {
        for (index, frame) in frames.enumerated() {
            let sent = frame.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            guard sent == frame.count else { throw TestFailure("send on \(interface): \(String(cString: strerror(errno)))") }
            if index % burst == burst - 1 { usleep(useconds_t(pause * 1e6)) }
        }
    }
}
