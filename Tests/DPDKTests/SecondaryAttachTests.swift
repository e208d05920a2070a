#if canImport(Glibc)
import Glibc
#endif
import CDPDKSecondary
import DPDKProxy
import RSSRecords
import Testing
import TestSupport

/// How rss-count and rss-apply name and reach a primary, before any EAL start-up: the device
/// string, the EAL arguments of the secondary, and the checks that explain why it cannot attach.
@Suite struct SecondaryAttachTests {
    @Test func deviceStrings() throws {
        #expect(try DPDKDevice(parsing: "dpdk:0") == DPDKDevice(port: 0, filePrefix: "rte"))
        #expect(try DPDKDevice(parsing: "dpdk:3@app-1").description == "dpdk:3@app-1")
        for bad in ["dpdk:", "dpdk:x", "dpdk:70000", "dpdk:0@", "dpdk:0@a/b", "pcap:0"] {
            #expect(throws: DPDKError.self, "\(bad)") { try DPDKDevice(parsing: bad) }
        }
    }

    @Test func theSecondaryAsksForTheLeastEAL() {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = rsspp_secondary_arguments("app", "-a 0000:03:00.0", &buffer, buffer.count)
        let arguments = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(Int(count) == arguments.count)
        #expect(arguments.prefix(3) == ["--proc-type=secondary", "--file-prefix=app", arguments[2]])
        #expect(arguments[2].hasPrefix("--lcores=127@("), "one lcore, on the CPUs allowed: \(arguments[2])")
        #expect(arguments.contains("--no-pci"))
        #expect(arguments.contains("--no-telemetry"))
        #expect(arguments.suffix(2) == ["-a", "0000:03:00.0"], "extra arguments come last")
    }

    /// A runtime directory as a primary leaves it: `config` starting with EAL's magic and the
    /// primary's DPDK version, locked while the primary lives.
    final class FakePrimary {
        let prefix: String
        let directory: String
        private var fd: Int32 = -1

        init(version: UInt32, alive: Bool) throws {
            prefix = "rsspp-dpdk-\(getpid())-\(alive ? "live" : "stale")"
            let base = getuid() == 0 ? "/var/run" : (getenv("XDG_RUNTIME_DIR").map { String(cString: $0) } ?? "/tmp")
            directory = "\(base)/dpdk/\(prefix)"
            mkdir("\(base)/dpdk", 0o700)
            mkdir(directory, 0o700)
            let magic: UInt32 = 19_820_526
            let head = withUnsafeBytes(of: magic.littleEndian) { Array($0) } + withUnsafeBytes(of: version.littleEndian) { Array($0) }
            try writeFile(directory + "/config", head + [UInt8](repeating: 0, count: 56))
            fd = open(directory + "/config", O_RDWR)
            if alive { lockf(fd, F_LOCK, 0) }
        }

        deinit {
            close(fd)
            removeTree(directory)
        }
    }

    @Test func aStalePrimaryIsNoPrimary() throws {
        let fake = try FakePrimary(version: 0x160B_0B00, alive: false)
        let result = try shell("rss-count dpdk:0@\(fake.prefix) --epochs 1", in: try TemporaryDirectory(area: "dpdk"))
        #expect(result.status == 69)
        #expect(result.stderr == "rss-count: dpdk:0@\(fake.prefix): no DPDK primary with file prefix \"\(fake.prefix)\" "
                + "is running (no live primary holds \(fake.directory)/config)\n")
    }

    @Test func aPrimaryOfAnotherDPDKVersionIsNamed() throws {
        let fake = try FakePrimary(version: 0x170B_0000, alive: true)
        let directory = try TemporaryDirectory(area: "dpdk")
        let device = "dpdk:0@\(fake.prefix)"
        let ours = String(cString: rsspp_secondary_dpdk_version()).replacingPrefix("DPDK ")
        let message = "\(device): the primary with file prefix \"\(fake.prefix)\" runs DPDK 23.11.0, this program "
            + "DPDK \(ours); a secondary process needs the primary's version\n"
        let count = try shell("rss-count \(device) --epochs 1", in: directory)
        #expect(count.status == 69)
        #expect(count.stderr == "rss-count: " + message)
        let plan = PlanRecord(device: device, queues: 2, reta: [1, 0], moves: Move.between([0, 1], [1, 0]), active: [0, 1])
        try writeFile(directory.file("plan"), plan.jsonLine())
        let apply = try shell("rss-apply < plan", in: directory)
        #expect(apply.status == 69)
        #expect(apply.stderr == "rss-apply: " + message)
    }
}

extension String {
    func replacingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
