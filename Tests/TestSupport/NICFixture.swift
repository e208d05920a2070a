import NICSim

/// A temporary directory with a simulated NIC's state file in it, holding `initial`.
public struct NICFixture {
    public let directory: TemporaryDirectory
    public let file: NICStateFile
    public let initial: NICState

    public init(_ initial: NICState = NICState(queues: 4, tableSize: 8)) throws {
        directory = try TemporaryDirectory()
        file = NICStateFile(path: directory.file("nic.json"))
        self.initial = initial
        try file.write(initial)
    }
}
