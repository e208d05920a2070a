import NICSim
import RSSRecords
import Testing
import TestSupport

/// `rss-count | rss-plan | rss-apply` on a state file, with every stage's records kept.
@Suite struct PipelineTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    struct Run {
        var loads: [LoadRecord]
        var plans: [PlanRecord]
        var applied: [PlanRecord]
        var final: NICState
        /// rss-apply's lines on stderr, each about a stale plan it refused.
        var refusals: [String]
    }

    /// `countingFirst`: the counter runs to its end before the planner starts, so that every
    /// load record counts on the first table.
    func run(_ count: String, countingFirst: Bool = false) throws -> Run {
        let planned = countingFirst ? "\(count) --nic nic.json > loads && rss-plan < loads"
            : "\(count) --nic nic.json | tee loads | rss-plan"
        let result = try shell("\(planned) | tee plans | rss-apply > applied", in: directory)
        #expect(result.status == 0)
        let refusals = result.stderr.split(separator: "\n").map(String.init)
        #expect(refusals.allSatisfy { $0.hasPrefix("rss-apply: line ") && $0.hasSuffix("; table not written (--stale-plan refuse)") },
                "\(result.stderr)")
        func lines(_ name: String) throws -> [[UInt8]] {
            try readFile(directory.file(name)).split(separator: 0x0a).map(Array.init)
        }
        return Run(loads: try lines("loads").enumerated().map { try LoadRecord(jsonLine: $1, lineNumber: $0 + 1) },
                   plans: try lines("plans").enumerated().map { try PlanRecord(jsonLine: $1, lineNumber: $0 + 1) },
                   applied: try lines("applied").enumerated().map { try PlanRecord(jsonLine: $1, lineNumber: $0 + 1) },
                   final: try NICStateFile(path: directory.file("nic.json")).load(), refusals: refusals)
    }

    @Test func everyStageKeepsInLockStepAndTheTableChanges() throws {
        // Every plan is made from the first table: after the first one written, stale plans are certain.
        let run = try run("rss-count sim:overload --fast --epochs 40 --seed 3", countingFirst: true)
        #expect(run.loads.count == 40)
        #expect(run.plans.count == 40)
        #expect(run.applied.count == 40)
        for (load, plan) in zip(run.loads, run.plans) {
            #expect(plan.device == load.device)
            // The moves are the entries that differ, diffed here rather than by the code under test.
            let changed = load.reta.indices.filter { load.reta[$0] != plan.reta[$0] }
            #expect(plan.moves == changed.map { Move(bucket: $0, from: load.reta[$0], to: plan.reta[$0]) })
        }
        // A plan is written when it was made from the table in force; one made from the table
        // the previous write replaced (the counter ran ahead of rss-apply) is stale: refused,
        // reported, and passed on unwritten.
        var inForce = try #require(run.loads.first?.reta)
        var stale = 0
        for (load, (plan, applied)) in zip(run.loads, zip(run.plans, run.applied)) {
            #expect(applied.reta == plan.reta)
            if applied.applied != nil {
                #expect(!plan.isNoOp, "only plans that change the table are written")
                #expect(load.reta == inForce, "a written plan was made from the table in force")
                inForce = plan.reta
            } else {
                #expect(plan.isNoOp || load.reta != inForce, "a plan made from the table in force is written")
                if !plan.isNoOp { stale += 1 }
            }
        }
        #expect(stale > 0, "plans made from the first table after it was replaced must be stale")
        #expect(run.refusals.count == stale, "\(run.refusals)")
        let written = run.applied.filter { $0.applied != nil }
        #expect(!written.isEmpty, "the static table saturates cores: some plan must move buckets")
        #expect(run.final.generation == written.count, "one generation per table written")
        #expect(run.final.reta == written.last?.reta)
        #expect(run.final.reta != NICState(queues: run.final.queues, tableSize: run.final.reta.count).reta)
    }

    @Test func theCounterSeesTheTablesThatWereApplied() throws {
        // Paced, as a real counter: each epoch starts after the previous plan had time to land.
        // 60 epochs (3 s), not 16: under a loaded CI run, starting rss-plan and rss-apply took
        // longer than 16 epochs, and every table landed after the counter had ended.
        let run = try run("rss-count sim:steady --interval 0.05 --epochs 60 --seed 3")
        let writtenTables = run.applied.filter { $0.applied != nil }.map(\.reta)
        let initial = try #require(run.loads.first?.reta)
        #expect(!writtenTables.isEmpty)
        #expect(run.loads.dropFirst().contains { $0.reta != initial && writtenTables.contains($0.reta) },
                "a later load record should count on a table rss-apply wrote")
        let imbalanceFirst = try #require(run.plans.first?.imbalanceBefore)
        let imbalanceLast = try #require(run.plans.last?.imbalanceBefore)
        #expect(imbalanceLast < imbalanceFirst, "balancing should leave the queues more even than the static table")
    }

    /// Found by fuzzing: with nothing to write, no stage noticed that its reader had gone, and
    /// the pipeline never ended. `true` reads nothing and leaves at once; the planner, which
    /// writes nothing with `--changes-only` under the static table, must notice by itself, and
    /// the counter then at its next write. `timeout` is a hang guard, not a measurement: the
    /// pipeline ends within a few epochs of 50 ms, and 20 s means it never would.
    @Test func aPipelineWhoseLastReaderLeavesStopsTogetherEvenWithNothingToWrite() throws {
        let result = try shell("""
            timeout -k 5 20 sh -c '{ rss-count sim --interval 0.05 --nic nic.json; echo "count $?" >&2; } \\
                | { rss-plan --algorithm static --changes-only; echo "plan $?" >&2; } | true'
            echo "guard $?"
            """, in: directory)
        #expect(result.stdout == "guard 0\n", "the pipeline was still running after 20 s")
        #expect(Set(result.stderr.split(separator: "\n")) == ["count 0", "plan 0"], "\(result.stderr)")
    }
}

