#if canImport(Glibc)
import Glibc
#endif

/// The running executable's directory, where the tools it runs are installed beside it (an
/// installed prefix's bin, the build directory). /proc/self/exe has symbolic links resolved, so a
/// link to a tool still finds its companions.
public func executableDirectory() -> String {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
    let length = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count) }
    let executable = String(decoding: buffer[..<max(length, 0)], as: UTF8.self)
    return executable.lastIndex(of: "/").map { String(executable[..<$0]) } ?? "."
}
