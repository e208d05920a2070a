import IRQAffinity
import Testing

@Suite struct CPUListTests {
    @Test func readsRangesAndSingleCPUsInTheOrderGiven() {
        #expect(CPUList("0-3,8,10-11\n")?.cpus == [0, 1, 2, 3, 8, 10, 11])
        #expect(CPUList("5,2")?.cpus == [5, 2])
    }

    @Test(arguments: ["", "a", "3-1", "1,1", "0-2,2", "1,", "-1", "1-2-3"])
    func refusesWhatIsNotACPUList(text: String) {
        #expect(CPUList(text) == nil)
    }

    @Test func spellsRunsAsRanges() {
        #expect(CPUList(cpus: [0, 1, 2, 3, 8, 10, 11]).description == "0-3,8,10-11")
        #expect(CPUList(cpus: [4]).description == "4")
    }
}
