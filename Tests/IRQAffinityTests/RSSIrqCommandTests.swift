import Testing
import TestSupport

/// A fake /proc and /sys for rss-irq (through RSS_IRQ_ROOT): eth0 is a virtio-net device whose
/// PCI function has MSI-X vectors 40-48 (config, four input and four output queues, listed out
/// of queue order); virtio1's input queue (50) belongs to another device; eight CPUs are online.
private func virtioTree() throws -> TemporaryDirectory {
    let tree = try TemporaryDirectory(area: "irq")
    let setup = try shell("""
        mkdir -p sys/class/net/eth0/device/msi_irqs sys/class/net/veth0 sys/devices/system/cpu
        echo 0-7 > sys/devices/system/cpu/online
        for irq in 40 41 42 43 44 45 46 47 48 50; do
            touch sys/class/net/eth0/device/msi_irqs/$irq
            mkdir -p proc/irq/$irq && echo 0-7 > proc/irq/$irq/smp_affinity_list
        done
        rm sys/class/net/eth0/device/msi_irqs/50
        cat > proc/interrupts <<'LINES'
                   CPU0       CPU1
          40:          0          0  PCI-MSIX-0000:00:03.0   0-edge      virtio0-config
          41:        120          0  PCI-MSIX-0000:00:03.0   1-edge      virtio0-input.0
          45:          0         10  PCI-MSIX-0000:00:03.0   5-edge      virtio0-output.0
          44:          3          0  PCI-MSIX-0000:00:03.0   4-edge      virtio0-input.3
          42:          7          0  PCI-MSIX-0000:00:03.0   2-edge      virtio0-input.1
          43:          9          0  PCI-MSIX-0000:00:03.0   3-edge      virtio0-input.2
          46:          0          0  PCI-MSIX-0000:00:03.0   6-edge      virtio0-output.1
          50:          1          0  PCI-MSIX-0000:00:04.0   1-edge      virtio1-input.0
         NMI:          0          0   Non-maskable interrupts
        LINES
        """, in: tree)
    try #require(setup.status == 0, "setting up the tree: \(setup.stderr)")
    return tree
}

private func rssIrq(_ arguments: String, in tree: TemporaryDirectory) throws -> ShellResult {
    try #require(toolExists("rss-irq"), "rss-irq was not built")
    return try shell("RSS_IRQ_ROOT=\"$PWD\" rss-irq \(arguments)", in: tree)
}

/// Every smp_affinity_list of the tree, as "IRQ VALUE" lines.
private func affinities(in tree: TemporaryDirectory) throws -> [String] {
    try shell("for f in proc/irq/*/smp_affinity_list; do n=${f#proc/irq/}; echo \"${n%%/*} $(cat $f)\"; done", in: tree).stdoutLines
}

private let untouched = ["40 0-7", "41 0-7", "42 0-7", "43 0-7", "44 0-7", "45 0-7", "46 0-7", "47 0-7", "48 0-7", "50 0-7"]

private let defaults = """
    # irqbalance defaults, kept as they are
    #IRQBALANCE_ARGS=
    IRQBALANCE_ONESHOT=1
    IRQBALANCE_ARGS="--hintpolicy=ignore --banirq=42"

    """

@Suite struct RSSIrqCommandTests {
    @Test func pinsTheInputQueuesInQueueOrderToTheCPUsInTurn() throws {
        let tree = try virtioTree()
        let result = try rssIrq("eth0 --cpus 6,3", in: tree)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try affinities(in: tree) == ["40 0-7", "41 6", "42 3", "43 6", "44 3", "45 0-7", "46 0-7", "47 0-7", "48 0-7", "50 0-7"])
        #expect(result.stdoutLines == ["41 6", "42 3", "43 6", "44 3"].map { line in
            let parts = line.split(separator: " ")
            return "\(tree.path)/proc/irq/\(parts[0])/smp_affinity_list \(parts[1])"
        })
    }

    @Test func withoutCPUsDealsTheQueuesOutToTheOnlineOnes() throws {
        let tree = try virtioTree()
        #expect(try shell("echo 2-3 > sys/devices/system/cpu/online", in: tree).status == 0)
        #expect(try rssIrq("eth0", in: tree).status == 0)
        #expect(try affinities(in: tree).filter { ["41", "42", "43", "44"].contains($0.prefix(2)) } == ["41 2", "42 3", "43 2", "44 3"])
    }

    @Test func aDryRunPrintsEveryWriteAndWritesNothing() throws {
        let tree = try virtioTree()
        #expect(try shell("printf '%s' '\(defaults)' > irqbalance", in: tree).status == 0)
        let result = try rssIrq("eth0 --cpus 1 --dry-run --irqbalance-config irqbalance", in: tree)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try affinities(in: tree) == untouched)
        #expect(try shell("cat irqbalance", in: tree).stdout == defaults)
        #expect(result.stdoutLines == [41, 42, 43, 44].map { "\(tree.path)/proc/irq/\($0)/smp_affinity_list 1" }
            + ["irqbalance IRQBALANCE_ARGS=\"--hintpolicy=ignore --banirq=42 --banirq=41 --banirq=43 --banirq=44\""])
    }

    @Test func bansTheQueuesInIrqbalancesDefaultsKeepingEverythingElseAndOnlyOnce() throws {
        let tree = try virtioTree()
        #expect(try shell("printf '%s' '\(defaults)' > irqbalance && chmod 600 irqbalance", in: tree).status == 0)
        let first = try rssIrq("eth0 --irqbalance-config irqbalance", in: tree)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("systemctl restart irqbalance"))
        let expected = """
            # irqbalance defaults, kept as they are
            #IRQBALANCE_ARGS=
            IRQBALANCE_ONESHOT=1
            IRQBALANCE_ARGS="--hintpolicy=ignore --banirq=42 --banirq=41 --banirq=43 --banirq=44"

            """
        #expect(try shell("cat irqbalance", in: tree).stdout == expected)
        #expect(try shell("stat -c %a irqbalance", in: tree).stdout == "600\n")

        let inode = try shell("stat -c %i irqbalance", in: tree).stdout
        let second = try rssIrq("eth0 --irqbalance-config irqbalance", in: tree)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("already bans"))
        #expect(try shell("cat irqbalance", in: tree).stdout == expected)
        // Not replaced by an identical copy, and no temporary file left beside it.
        #expect(try shell("stat -c %i irqbalance", in: tree).stdout == inode)
        #expect(try shell("ls -A | grep -v '^.std'", in: tree).stdoutLines == ["irqbalance", "proc", "sys"])
    }

    @Test func anIrqbalanceValueItCannotRewriteStopsItBeforeAnyWrite() throws {
        let tree = try virtioTree()
        #expect(try shell("echo 'IRQBALANCE_ARGS=\"$MORE\"' > irqbalance", in: tree).status == 0)
        let result = try rssIrq("eth0 --irqbalance-config irqbalance", in: tree)
        #expect(result.status == 1)
        #expect(result.stderr.contains("irqbalance:1: IRQBALANCE_ARGS"))
        #expect(try affinities(in: tree) == untouched)
    }

    /// A pin the kernel refuses (here: no such file) ends the run; irqbalance's defaults are not
    /// changed to ban an interrupt left where it was.
    @Test func aFailedPinStopsTheRunBeforeIrqbalancesDefaults() throws {
        let tree = try virtioTree()
        #expect(try shell("printf '%s' '\(defaults)' > irqbalance && rm proc/irq/43/smp_affinity_list", in: tree).status == 0)
        let result = try rssIrq("eth0 --cpus 1 --irqbalance-config irqbalance", in: tree)
        #expect(result.status == 1)
        #expect(result.stderr.contains("irq 43 (virtio0-input.2): \(tree.path)/proc/irq/43/smp_affinity_list: cannot open"))
        #expect(try shell("cat irqbalance", in: tree).stdout == defaults)
        #expect(result.stdoutLines == [41, 42].map { "\(tree.path)/proc/irq/\($0)/smp_affinity_list 1" })
    }

    @Test func anOfflineCPUIsAUsageErrorBeforeAnyWrite() throws {
        let tree = try virtioTree()
        let result = try rssIrq("eth0 --cpus 1,8-9", in: tree)
        #expect(result.status == 64)
        #expect(result.stderr.contains("CPUs 8-9 are not online"))
        #expect(try affinities(in: tree) == untouched)
    }

    @Test func reportsWhereTheKernelRunsTheInterruptElsewhere() throws {
        let tree = try virtioTree()
        #expect(try shell("echo 0-7 > proc/irq/41/effective_affinity_list; echo 5 > proc/irq/42/effective_affinity_list", in: tree).status == 0)
        let result = try rssIrq("eth0 --cpus 4,5", in: tree)
        #expect(result.status == 0)
        #expect(result.stderr.contains("irq 41 (virtio0-input.0): asked for CPU 4, the kernel runs it on CPUs \"0-7\""))
        #expect(!result.stderr.contains("irq 42"))
    }

    @Test func aDeviceWithoutQueueInterruptsExits69NamingIt() throws {
        let tree = try virtioTree()
        let result = try rssIrq("veth0 --dry-run", in: tree)
        #expect(result.status == 69)
        #expect(result.stderr.contains("veth0: no receive queue interrupts found"))
        #expect(result.stdout.isEmpty)
    }

    /// Intel's and Mellanox's names: queues named after the interface (without MSI listing) and
    /// completion vectors of the PCI function; another interface's and asynchronous vectors are not.
    @Test(arguments: [
        ("eth1", ["60 i40e-eth1-TxRx-1", "61 eth1-TxRx-0", "62 eth10-TxRx-2", "63 eth1-tx-2", "64 i40e-0000:01:00.0:misc"],
         [], ["61 0", "60 1"]),
        ("eth1", ["70 mlx5_async0@pci:0000:01:00.0", "72 mlx5_comp1@pci:0000:01:00.0", "71 mlx5_comp0@pci:0000:01:00.0",
                  "73 mlx5_comp0@pci:0000:02:00.0"],
         [70, 71, 72], ["71 0", "72 1"]),
    ])
    func findsQueuesByTheDriversNames(interface: String, lines: [String], msi: [Int], expected: [String]) throws {
        let tree = try TemporaryDirectory(area: "irq")
        let interrupts = lines.map { "  \($0.replacingFirstSpace(with: ": 1 0 PCI-MSIX 0-edge "))" }.joined(separator: "\n")
        let setup = try shell("""
            mkdir -p sys/class/net/\(interface)/device/msi_irqs sys/devices/system/cpu proc/irq
            echo 0-1 > sys/devices/system/cpu/online
            echo '\(interrupts)' > proc/interrupts
            for irq in \(msi.map(String.init).joined(separator: " ")); do touch sys/class/net/\(interface)/device/msi_irqs/$irq; done
            for irq in 60 61 62 63 64 70 71 72 73; do mkdir proc/irq/$irq; echo 0-1 > proc/irq/$irq/smp_affinity_list; done
            """, in: tree)
        try #require(setup.status == 0, "\(setup.stderr)")
        let result = try rssIrq("\(interface) --dry-run", in: tree)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == expected.map { line in
            let parts = line.split(separator: " ")
            return "\(tree.path)/proc/irq/\(parts[0])/smp_affinity_list \(parts[1])"
        })
    }
}

extension String {
    fileprivate func replacingFirstSpace(with replacement: String) -> String {
        guard let space = firstIndex(of: " ") else { return self }
        return self[..<space] + replacement + self[index(after: space)...]
    }
}
