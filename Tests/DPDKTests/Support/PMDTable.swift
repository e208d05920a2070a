import TestSupport

/// A port's RETA as DPDK itself reports it to a separate secondary process running no rsspp
/// code (Support/reta-query.c, built with cc into the primary's directory): what the PMD
/// holds, whatever rsspp's library and tools believe.
enum PMDTable {
    static let source: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/reta-query.c"
    }()

    static func query(_ primary: Primary) throws -> [Int] {
        let result = try shell("""
            [ -x reta-query ] || ${CC:-cc} -O2 -o reta-query '\(source)' $(pkg-config --cflags --libs libdpdk) || exit 1
            ./reta-query --proc-type=secondary --file-prefix=\(primary.prefix) --no-pci --no-telemetry \
                --log-level=error --lcores='126@(\(try allowedCPUs()))' -- 0
            """, in: primary.directory)
        guard result.status == 0, let line = result.stdoutLines.last else {
            throw TestFailure("reta-query: \(result.stderr)")
        }
        return line.dropFirst().dropLast().split(separator: ",").compactMap { Int($0) }
    }
}
