import NICSim
@testable import Planning
import RSSRecords
import Testing
import TestSupport
import ToolSupport

/// The two state files, generated: the simulated NIC's (rss-count, rss-apply file:) and the
/// planner's (rss-plan --state). A file is read, or refused naming the file; a history that
/// is read goes on planning records of the shape it was saved for without trapping.
@Suite struct StateFileFuzzTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(area: "fuzz") }

    @Test func nicStateFiles() throws {
        let file = NICStateFile(path: directory.file("nic.json"))
        try fuzz("nic-state", splicing: ["load"], iterations: 2000) { input, name in
            try writeFile(file.path, input)
            let state: NICState
            do {
                state = try file.load()
            } catch let error as NICStateFileError {
                #expect(error.kind == .badContent && error.path == file.path, "\(name): \(error)")
                return
            }
            let again = try NICState(jsonLine: state.jsonLine())
            #expect(again == state, "\(name): \(printable(input))")
        }
    }

    @Test func plannerStateFiles() throws {
        let file = PlannerStateFile(path: directory.file("eth0.plan"))
        let everyAlgorithm = Algorithm.allCases.map { ($0, PlannerOptions()) } + [(.adaptive, autoscaling)]
        try fuzz("planner-state", iterations: 1000) { input, name in
            try writeFile(file.path, input)
            for (algorithm, options) in everyAlgorithm {
                do {
                    guard let saved = try file.load(algorithm, options: options).saved else { continue }
                    var planner = PlanFilter(algorithm: algorithm, options: options, restoring: saved)
                    for epoch in 0..<3 {
                        _ = try planner.process(record(epoch, shape: saved), lineNumber: epoch + 1)
                    }
                } catch let failure as ToolFailure {
                    #expect(failure.status == ExitStatus.dataError && failure.description.contains(file.path),
                            "\(name): \(failure)")
                }
            }
        }
    }

    private var autoscaling: PlannerOptions {
        var options = PlannerOptions()
        options.autoscale = true
        return options
    }

    /// A load record of the saved history's shape when it is one a record may have (else the
    /// corpus's), half of them with measured loads.
    private func record(_ epoch: Int, shape saved: SavedPlanner) -> [UInt8] {
        let fits = (1...4096).contains(saved.tableSize) && (1...RecordContract.maxQueues).contains(saved.queues)
        let (tableSize, queues) = fits ? (saved.tableSize, saved.queues) : (16, 4)
        let load = (0..<queues).map { Double(($0 * 7 + epoch * 3) % 10) / 10 }
        return LoadRecord(queues: queues, reta: (0..<tableSize).map { $0 % queues },
                          packets: (0..<tableSize).map { ($0 * 37 + epoch * 11) % 100 },
                          load: epoch % 2 == 0 ? load : nil).jsonLine()
    }
}
