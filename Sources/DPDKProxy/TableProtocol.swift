#if canImport(Glibc)
import Glibc
#endif
import TableTargets
import ToolSupport

// A table target served across a socket: rss-apply's dpdk: targets (TableLink) and
// `rss-dpdk table DEVICE` (TableService), one request line and one reply line at a time.
//
//     read             ->  table QUEUES E0 E1 ...  |  error MESSAGE
//     write E0 E1 ...  ->  written                 |  error MESSAGE
//
// MESSAGE is the serving target's TargetError, so that rss-apply reports it word for word.

/// The client end: a target whose reads and writes are requests to the target a TableService
/// serves on the other end of `socket`.
final class TableLink: TableTarget {
    let device: String
    private let socket: Int32
    /// Who answers, for messages: `rss-dpdk (pid 123)`.
    private let server: String
    private var replies: LineReader

    init(device: String, socket: Int32, server: String) {
        self.device = device
        self.socket = socket
        self.server = server
        replies = LineReader(fd: socket)
    }

    deinit { close(socket) }

    func read() throws(TargetError) -> DeviceTable {
        let reply = try ask("read")
        guard reply.first == "table", reply.count > 2, let queues = Int(reply[1]), let reta = entries(reply.dropFirst(2)) else {
            throw unexpected(reply)
        }
        return DeviceTable(reta: reta, queues: queues)
    }

    func write(_ reta: [Int]) throws(TargetError) {
        let reply = try ask("write " + words(reta))
        guard reply == ["written"] else { throw unexpected(reply) }
    }

    /// The reply's words; an `error` reply is thrown as its message.
    private func ask(_ request: String) throws(TargetError) -> [Substring] {
        try send(Array((request + "\n").utf8)[...])
        let line: LineReader.Line?
        do { line = try replies.next() } catch { throw TargetError("\(device): reading \(server)'s answer: \(error)") }
        guard case .text(let bytes, _) = line else { throw TargetError("\(device): \(server) ended without answering") }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("error ") { throw TargetError(String(text.dropFirst("error ".count))) }
        return text.split(separator: " ")
    }

    private func send(_ request: ArraySlice<UInt8>) throws(TargetError) {
        var rest = request
        while !rest.isEmpty {
            // MSG_NOSIGNAL: a server that has gone is an error here, not a SIGPIPE.
            let sent = rest.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw TargetError("\(device): \(server) has ended: \(String(cString: strerror(errno)))") }
            rest = rest.dropFirst(sent)
        }
    }

    private func unexpected(_ reply: [Substring]) -> TargetError {
        TargetError("\(device): \(server) answered \"\(reply.joined(separator: " "))\"")
    }
}

/// The serving end: answers each request read from `input` with one reply on `output`, reading
/// and writing `target`, until the input ends.
public struct TableService {
    private let target: any TableTarget

    public init(_ target: any TableTarget) {
        self.target = target
    }

    public func run(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) throws(SystemError) {
        var requests = LineReader(fd: input)
        while let request = try requests.next() {
            RecordOutput.write(Array((reply(to: request) + "\n").utf8), fd: output)
        }
    }

    private func reply(to request: LineReader.Line) -> String {
        guard case .text(let bytes, _) = request else { return "error \(target.device): a request longer than a line" }
        let text = String(decoding: bytes, as: UTF8.self)
        let request = text.split(separator: " ")
        do throws(TargetError) {
            if request == ["read"] {
                let table = try target.read()
                return "table \(table.queues) " + words(table.reta)
            }
            if request.first == "write", request.count > 1, let reta = entries(request.dropFirst()) {
                try target.write(reta)
                return "written"
            }
            return "error \(target.device): not a request: \"\(text)\""
        } catch {
            // One line per reply, whatever the message.
            return "error " + error.description.split(separator: "\n").joined(separator: " ")
        }
    }
}

private func words(_ entries: [Int]) -> String {
    entries.map(String.init).joined(separator: " ")
}

private func entries(_ words: ArraySlice<Substring>) -> [Int]? {
    let entries = words.compactMap { Int($0) }
    return entries.count == words.count ? entries : nil
}
