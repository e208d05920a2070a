import NICSim
import RSSHash
import RSSRecords
import Synchronization
import Testing
import TestSupport

/// A table whose every entry is the same queue, so that a mix of two writes shows.
private func uniformState(generation: Int, queues: Int = 4, tableSize: Int = 4096) -> NICState {
    NICState(queues: queues, reta: Array(repeating: generation % queues, count: tableSize), generation: generation)
}

@Suite struct NICStateFileTests {
    let directory: TemporaryDirectory
    let file: NICStateFile

    init() throws {
        directory = try TemporaryDirectory()
        file = NICStateFile(path: directory.file("nic.json"))
    }

    @Test func roundTripsEveryField() throws {
        let key = try parseHexKey("0102030405060708090a0b0c0d0e0f10111213141516171819")
        let state = NICState(queues: 3, reta: [2, 0, 1, 1, 0, 2, 2], key: key, generation: 41)
        try file.write(state)
        #expect(try file.load() == state)
        #expect(file.device == "file:" + directory.file("nic.json"))
    }

    @Test func createsTheDriverDefaultTableOnlyWhenMissing() throws {
        let (created, isNew) = try file.loadOrCreate(NICState(queues: 3, tableSize: 8))
        #expect(isNew)
        #expect(created.reta == [0, 1, 2, 0, 1, 2, 0, 1])
        #expect(created.generation == 0)
        #expect(try file.load() == created)

        let (existing, isNewAgain) = try file.loadOrCreate(NICState(queues: 2, tableSize: 4))
        #expect(!isNewAgain)
        #expect(existing == created)
    }

    @Test func updateBumpsTheGenerationAndKeepsTheRest() throws {
        try file.write(NICState(queues: 2, tableSize: 4))
        let updated = try file.update { $0.reta = [1, 1, 0, 0] }
        #expect(updated.generation == 1)
        #expect(try file.load() == NICState(queues: 2, reta: [1, 1, 0, 0], generation: 1))
        try file.update { $0.reta = [0, 0, 0, 0] }
        #expect(try file.load().generation == 2)
    }

    @Test func aFailedUpdateLeavesTheFileAsItWas() throws {
        let before = NICState(queues: 2, tableSize: 4)
        try file.write(before)
        #expect(throws: TestFailure.self) {
            try file.update { state in
                state.reta = [1, 1, 1, 1]
                throw TestFailure("refused")
            }
        }
        #expect(try file.load() == before)
    }

    @Test func writesLeaveNoTemporaryFilesBehind() throws {
        _ = try file.loadOrCreate(NICState(queues: 2, tableSize: 4))
        for generation in 1...5 { try file.write(uniformState(generation: generation, tableSize: 16)) }
        #expect(directory.entries() == ["nic.json"])
    }

    @Test func aConcurrentReaderNeverSeesATornTable() async throws {
        try file.write(uniformState(generation: 0))
        let writing = Atomic<Bool>(true)
        let reading = Atomic<Bool>(false)
        let file = self.file
        let reader = Task.detached { () throws -> Set<Int> in
            var generations: Set<Int> = []
            reading.store(true, ordering: .releasing)
            while writing.load(ordering: .acquiring) {
                let state = try file.load()
                guard Set(state.reta) == [state.generation % state.queues], state.reta.count == 4096 else {
                    throw TestFailure("generation \(state.generation) read with a mixed table")
                }
                generations.insert(state.generation)
            }
            return generations
        }
        // Both must hold a thread at once, whatever else the test run keeps busy.
        while !reading.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(1)) }
        for generation in 1...100 { try file.write(uniformState(generation: generation)) }
        writing.store(false, ordering: .releasing)
        let seen = try await reader.value
        #expect(seen.count > 1, "the reader overlapped only \(seen.count) generation(s)")
    }

    @Test(arguments: [
        (#"{"type":"nic","v":1,"reta":[0,1]}"#, "queues", "is missing"),
        (#"{"type":"nic","v":1,"queues":2}"#, "reta", "is missing"),
        (#"{"type":"nic","v":1,"queues":2,"reta":[0,5]}"#, "reta", "entry 1 is 5"),
        (#"{"type":"nic","v":1,"queues":2,"reta":[0,1],"key":"xyz"}"#, "key", "not an even number of hex digits"),
        (#"{"type":"nic","v":1,"queues":2,"reta":[0,1],"generation":"x"}"#, "generation", "expected an integer"),
        (#"{"type":"load","v":1,"queues":2,"reta":[0,1]}"#, "type", "expected \"nic\""),
        (#"{"type":"nic","queues":2,"reta":[0,1]}"#, "v", "is missing"),
        (#"{"type":"nic","v":1,"queues":2,"reta":[0,1],"generation":-1}"#, "generation", "is negative"),
        (#"{"type":"nic","v":1,"queues":2000,"reta":[0,1]}"#, "queues", "at most 1024"),
    ])
    func badContentNamesTheFileAndTheField(content: String, field: String, message: String) throws {
        try writeFile(file.path, content)
        let error = try #require(throws: NICStateFileError.self) { try file.load() }
        #expect(error.path == file.path)
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("\(file.path): \"\(field)\""))
        #expect(error.kind == .badContent)
    }

    @Test(arguments: [("", "is empty"), ("{\"type\":\"nic\",", "malformed JSON"), ("[1,2]", "not a JSON object")])
    func unreadableContentNamesTheFile(content: String, message: String) throws {
        try writeFile(file.path, content)
        let error = try #require(throws: NICStateFileError.self) { try file.load() }
        #expect(error.description.hasPrefix(file.path + ": "))
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func aMissingFileOrDirectoryIsNamed() throws {
        let missing = try #require(throws: NICStateFileError.self) { try file.load() }
        #expect(missing.description == "\(file.path): cannot open: No such file or directory")
        #expect(missing.kind == .unavailable)

        let nowhere = NICStateFile(path: directory.file("absent/nic.json"))
        let unwritable = try #require(throws: NICStateFileError.self) { try nowhere.write(NICState(queues: 1, tableSize: 1)) }
        #expect(unwritable.description.hasPrefix(nowhere.path + ": cannot create a temporary file"))
    }

    /// Found by fuzzing: the contract lets writers add members, and a rewrite dropped them.
    @Test func membersOtherWritersAddedSurviveAnUpdate() throws {
        try writeFile(file.path, #"{"type":"nic","v":1,"owner":"ops \"a\"","queues":2,"reta":[0,1],"generation":4,"# +
                      #""limits":{"max":[8, 16]},"note":null}"# + "\n")
        try file.update { $0.reta = [1, 1] }
        let text = String(decoding: try readFile(file.path), as: UTF8.self)
        #expect(text.contains(#""owner":"ops \"a\"""#), "\(text)")
        #expect(text.contains(#""limits":{"max":[8, 16]}"#), "\(text)")
        #expect(text.contains(#""note":null"#), "\(text)")
        #expect(text.contains(#""reta":[1,1]"#) && text.contains(#""generation":5"#), "\(text)")
    }

    /// Found by fuzzing: the generation increment trapped on the largest one.
    @Test func aGenerationThatCannotGrowIsRefusedAndTheFileKept() throws {
        let content = #"{"type":"nic","v":1,"queues":2,"reta":[0,1],"generation":9223372036854775807}"# + "\n"
        try writeFile(file.path, content)
        let error = try #require(throws: NICStateFileError.self) { try file.update { $0.reta = [1, 1] } }
        #expect(error.field == "generation" && error.kind == .badContent)
        #expect(String(decoding: try readFile(file.path), as: UTF8.self) == content)
    }

    /// The largest NIC the contract allows is written and read back.
    @Test func theLargestNICRoundTrips() throws {
        let state = NICState(queues: RecordContract.maxQueues, tableSize: RecordContract.maxTableSize)
        try file.write(state)
        #expect(try file.load() == state)
    }
}

