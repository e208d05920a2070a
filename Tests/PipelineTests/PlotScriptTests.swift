import Testing
import TestSupport

private let plotScript = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/scripts/plot"

/// The PNG's width and height as its IHDR chunk gives them, nil when the bytes are not a PNG.
private func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
    let signature: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
    guard bytes.count >= 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
    let bigEndian = { (start: Int) in bytes[start..<start + 4].reduce(0) { $0 << 8 | Int($1) } }
    return (bigEndian(16), bigEndian(20))
}

/// scripts/plot on a session the built tools record, run as an operator runs it.
@Suite struct PlotScriptTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(area: "plot")
        let recorded = try shell("rss-count sim:diurnal --fast --epochs 50 --nic nic.json | rss-plan --autoscale"
                                 + " | rss-apply --stale-plan rebase file:nic.json | tee session.jsonl > /dev/null", in: directory)
        #expect(recorded.status == 0, "\(recorded.stderr)")
    }

    func plot(_ arguments: String) throws -> ShellResult { try shell("'\(plotScript)' \(arguments)", in: directory) }

    @Test func aSessionGivesTheSamePNGOfFixedSizeEachTime() throws {
        for name in ["first.png", "second.png"] {
            let result = try plot("session.jsonl \(name)")
            #expect(result.status == 0, "\(result.stderr)")
        }
        let first = try readFile(directory.file("first.png"))
        let size = try #require(pngSize(first), "not a PNG")
        #expect(size == (1200, 1000))
        #expect(try readFile(directory.file("second.png")) == first)
        #expect(directory.entries().filter { $0.contains(".png") } == ["first.png", "second.png"], "no temporary file left")
    }

    /// Half the session draws another picture: the PNG depends on the records.
    @Test func anotherSessionGivesAnotherPNG() throws {
        let result = try plot("session.jsonl whole.png && head -n 25 session.jsonl > half.jsonl && '\(plotScript)' half.jsonl half.png")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try readFile(directory.file("whole.png")) != readFile(directory.file("half.png")))
    }

    /// A second device's plan in the session: refused with both named, or left out with --device.
    @Test func twoDevicesNeedDevice() throws {
        let result = try plot("session.jsonl single.png && head -n 3 session.jsonl"
                              + " | sed 's#\"device\":\"[^\"]*\"#\"device\":\"ethtool:eth9\"#' > other.jsonl"
                              + " && cat session.jsonl other.jsonl > two.jsonl && '\(plotScript)' two.jsonl two.png")
        #expect(result.status == 65)
        #expect(result.stderr == "plot: two.jsonl: records of 2 devices (ethtool:eth9, file:\(directory.file("nic.json")));"
                + " name one with --device\n")
        #expect(!directory.entries().contains("two.png"))

        let picked = try plot("two.jsonl picked.png --device 'file:\(directory.file("nic.json"))'")
        #expect(picked.status == 0, "\(picked.stderr)")
        #expect(try readFile(directory.file("picked.png")) == readFile(directory.file("single.png")))
    }

    /// A matplotlib that cannot be imported, as on a host without python3-matplotlib.
    @Test func withoutMatplotlibItSaysWhatToInstall() throws {
        let result = try shell("mkdir -p shadow/matplotlib && echo 'raise ImportError(\"absent\", name=\"matplotlib\")'"
                               + " > shadow/matplotlib/__init__.py && PYTHONPATH=shadow '\(plotScript)' session.jsonl out.png",
                               in: directory)
        #expect(result.status == 69)
        #expect(result.stderr == "plot: matplotlib is missing: apt-get install python3-matplotlib\n")
        #expect(!directory.entries().contains("out.png"))
    }

    /// One case per documented exit status besides 0 and 69, each message naming the file (and line).
    @Test(arguments: [
        ("plot session.jsonl", 64, "usage: plot SESSION PNG [--device D]\n"),
        ("plot empty.jsonl out.png", 65, "plot: empty.jsonl: no load or plan records\n"),
        ("plot loads.jsonl out.png", 65, "plot: loads.jsonl: no plan records to plot\n"),
        ("plot malformed.jsonl out.png", 65, "plot: malformed.jsonl: line 3: not a JSON record"),
        ("plot unbalanced.jsonl out.png", 65,
         "plot: unbalanced.jsonl: line 2: \"load_before\" must be a list of 16 numbers, one per queue\n"),
        ("plot nan.jsonl out.png", 65, "plot: nan.jsonl: line 4: NaN is not a JSON number\n"),
        ("plot session.jsonl out.png --device ethtool:eth9", 65,
         "plot: session.jsonl: no records of ethtool:eth9; the session has file:"),
        ("plot absent.jsonl out.png", 66, "plot: absent.jsonl: No such file or directory\n"),
        ("plot session.jsonl absent/out.png", 73, "plot: absent/out.png: No such file or directory\n"),
    ])
    func badInput(command: String, status: Int32, message: String) throws {
        try writeFile(directory.file("empty.jsonl"), "\n")
        try writeFile(directory.file("loads.jsonl"),
                      "{\"type\":\"load\",\"v\":1,\"queues\":2,\"reta\":[0,1],\"packets\":[1,1],\"load\":[0.5,0.5]}\n")
        let prepared = try shell("sed '3s/.*/{\"type\":\"plan\",/' session.jsonl > malformed.jsonl"
                                 + " && sed '2s/\"load_before\":\\[[^]]*\\]/\"load_before\":[0.5]/' session.jsonl > unbalanced.jsonl"
                                 + " && sed '4s/\"imbalance_before\":[^,]*/\"imbalance_before\":NaN/' session.jsonl > nan.jsonl",
                                 in: directory)
        #expect(prepared.status == 0, "\(prepared.stderr)")
        let result = try plot(String(command.dropFirst("plot ".count)))
        #expect(result.status == status)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(!directory.entries().contains("out.png"))
    }
}
