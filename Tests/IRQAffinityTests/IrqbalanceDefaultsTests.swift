import IRQAffinity
import Testing

@Suite struct IrqbalanceDefaultsTests {
    @Test func recognisesEverySpellingOfABanAndAddsOnlyTheMissingOnes() throws {
        let text = "IRQBALANCE_ARGS='--banirq 40 -i41 -i 42 --banirq=43 --oneshot'\n"
        let change = try IrqbalanceDefaults.banning([40, 41, 42, 43, 44], in: text, path: "d")
        #expect(change?.line == "IRQBALANCE_ARGS=\"--banirq 40 -i41 -i 42 --banirq=43 --oneshot --banirq=44\"")
        #expect(try IrqbalanceDefaults.banning([40, 41, 42, 43], in: text, path: "d") == nil)
    }

    @Test func changesTheLastAssignmentAsTheShellWouldReadIt() throws {
        let text = "IRQBALANCE_ARGS=--a\n# IRQBALANCE_ARGS=--commented\nexport IRQBALANCE_ARGS=--b\nOTHER=1"
        let change = try IrqbalanceDefaults.banning([7], in: text, path: "d")
        #expect(change?.text == "IRQBALANCE_ARGS=--a\n# IRQBALANCE_ARGS=--commented\nIRQBALANCE_ARGS=\"--b --banirq=7\"\nOTHER=1\n")
    }

    @Test func appendsAnAssignmentToAFileWithout() throws {
        let change = try IrqbalanceDefaults.banning([7, 9], in: "#IRQBALANCE_ARGS=\n", path: "d")
        #expect(change?.text == "#IRQBALANCE_ARGS=\nIRQBALANCE_ARGS=\"--banirq=7 --banirq=9\"\n")
        #expect(try IrqbalanceDefaults.banning([7], in: "", path: "d")?.text == "IRQBALANCE_ARGS=\"--banirq=7\"\n")
    }

    @Test(arguments: ["IRQBALANCE_ARGS=\"$EXTRA\"", "IRQBALANCE_ARGS=--a --b", "IRQBALANCE_ARGS=\"--a", "IRQBALANCE_ARGS=\"--a\" # note"])
    func refusesValuesItCannotRewriteNamingTheLine(line: String) {
        let error = #expect(throws: IrqbalanceDefaults.Unreadable.self) {
            try IrqbalanceDefaults.banning([7], in: "# comment\n\(line)\n", path: "d")
        }
        #expect(error?.description.hasPrefix("d:2: IRQBALANCE_ARGS") == true)
    }
}
