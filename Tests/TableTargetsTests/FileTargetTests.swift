import NICSim
import Testing
import TableTargets
import TestSupport

@Suite struct FileTargetTests {
    let nic: NICFixture
    let target: FileTarget

    init() throws {
        nic = try NICFixture()
        target = FileTarget(path: nic.file.path)
    }

    @Test func readsTheTableAndItsQueues() throws {
        #expect(try target.read() == DeviceTable(reta: [0, 1, 2, 3, 0, 1, 2, 3], queues: 4))
        #expect(target.device == "file:" + nic.file.path)
    }

    @Test func writesTheTableAndBumpsTheGeneration() throws {
        try target.write([3, 3, 2, 2, 1, 1, 0, 0])
        #expect(try nic.file.load() == NICState(queues: 4, reta: [3, 3, 2, 2, 1, 1, 0, 0], generation: 1))
    }

    @Test(arguments: [
        ([0, 1, 2, 3], "table has 4 entries; file:"),
        ([0, 1, 2, 3, 0, 1, 2, 4], "entry 7 is 4; file:"),
        ([0, 1, 2, 3, 0, -1, 2, 3], "entry 5 is -1; file:"),
    ])
    func refusesATableThatDoesNotFitWithoutWriting(reta: [Int], problem: String) throws {
        let found = try #require(target.problem(with: reta, on: try target.read()))
        #expect(found.hasPrefix(problem), "\(found)")
        let error = try #require(throws: TargetError.self) { try target.write(reta) }
        #expect(error.description.hasPrefix(problem), "\(error)")
        #expect(try nic.file.load() == nic.initial)
    }

    @Test func aMissingStateFileIsNamed() throws {
        let absent = FileTarget(path: nic.directory.file("absent.json"))
        let error = try #require(throws: TargetError.self) { try absent.read() }
        #expect(error.description == "\(absent.file.path): cannot open: No such file or directory")
    }

    @Test func theDeviceStringChoosesTheTarget() throws {
        let named = try tableTarget(device: "file:" + nic.file.path)
        #expect(named is FileTarget)
        #expect(named.device == "file:" + nic.file.path)
        for unknown in ["nic.json", "file:", "ethernet:eth0", ""] {
            let error = try #require(throws: TargetError.self) { try tableTarget(device: unknown) }
            #expect(error.description.contains("unknown target \"\(unknown)\""))
        }
    }
}
