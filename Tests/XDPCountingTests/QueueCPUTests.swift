import IRQAffinity
import Testing
@testable import XDPCounting

/// Which CPU serves a queue, and how busy it was: parsing /proc/interrupts, CPU lists and
/// /proc/stat.
struct QueueCPUTests {
    static let interrupts = """
                   CPU0       CPU1       CPU2       CPU3
         24:          1          0          0          0  IO-APIC   5-edge      ACPI:Ged
         28:          0          0          0          0  PCI-MSIX-0000:00:03.0   0-edge      virtio0-config
         29:        120          0          0          0  PCI-MSIX-0000:00:03.0   1-edge      virtio0-input.0
         30:          0          0          0          0  PCI-MSIX-0000:00:03.0   2-edge      virtio0-output.0
         31:          0        340          0          0  PCI-MSIX-0000:00:03.0   3-edge      virtio0-input.1
         32:          0          0          0          0  PCI-MSIX-0000:00:03.0   4-edge      virtio0-output.1
         40:          0          0          7          0  PCI-MSIX-0000:03:00.0   5-edge      mlx5_comp0@pci:0000:03:00.0
         41:          0          0          7          0  PCI-MSIX-0000:03:00.0   6-edge      mlx5_comp1@pci:0000:03:00.0
         50:          0          0          0          9  PCI-MSIX-0000:04:00.0   7-edge      i40e-eth2-TxRx-0
         51:          0          0          0          9  PCI-MSIX-0000:04:00.0   8-edge      i40e-eth2-TxRx-1
        NMI:          0          0          0          0   Non-maskable interrupts
        """

    @Test func receiveInterruptsAreFoundByDeviceName() {
        #expect(QueueInterrupts.find(in: Self.interrupts, identifiers: ["eth0", "virtio0"], queues: 2) == [0: 29, 1: 31])
        #expect(QueueInterrupts.find(in: Self.interrupts, identifiers: ["eth1", "0000:03:00.0"], queues: 4) == [0: 40, 1: 41])
        #expect(QueueInterrupts.find(in: Self.interrupts, identifiers: ["eth2"], queues: 1) == [0: 50])
        #expect(QueueInterrupts.find(in: Self.interrupts, identifiers: ["veth0"], queues: 4).isEmpty)
    }

    @Test func transmitAndConfigurationInterruptsServeNoRxQueue() {
        #expect(receiveQueueNumber(inName: "virtio0-output.3") == nil)
        #expect(receiveQueueNumber(inName: "virtio0-config") == nil)
        #expect(receiveQueueNumber(inName: "virtio0-input.3") == 3)
        #expect(receiveQueueNumber(inName: "ice-eth0-TxRx-12") == 12)
        #expect(receiveQueueNumber(inName: "mlx5_comp7@pci:0000:03:00.0") == 7)
    }

    @Test func cpuListsParseAsLinuxWritesThem() {
        #expect(parseCPUList("0-3") == [0, 1, 2, 3])
        #expect(parseCPUList("2") == [2])
        #expect(parseCPUList("0,2,4-5") == [0, 2, 4, 5])
        for bad in ["", "a", "3-1", "1,,2", "-1", "1-"] { #expect(parseCPUList(bad) == nil, "\(bad)") }
    }

    @Test func busyFractionCountsUserNiceSystemIrqAndSoftirq() {
        let before = CPUTimes(procStat: """
            cpu  10 0 10 100 0 0 0 0 0 0
            cpu0 10 0 10 100 0 0 0 0 0 0
            cpu1 0 0 0 100 0 0 0 0 0 0
            intr 12345
            """)
        let after = CPUTimes(procStat: """
            cpu  40 0 20 150 0 0 0 0 0 0
            cpu0 20 5 15 130 10 5 15 0 0 0
            cpu1 0 0 0 200 0 0 0 0 0 0
            """)
        // cpu0: busy +10 user +5 nice +5 system +5 irq +15 softirq = 40 of 80 ticks (idle +30, iowait +10).
        #expect(after.busyFraction(of: 0, since: before) == 0.5)
        #expect(after.busyFraction(of: 1, since: before) == 0)
        #expect(after.busyFraction(of: 7, since: before) == 0)
        #expect(before.busyFraction(of: 0, since: before) == 0)
    }

    @Test func stealFractionIsTheHypervisorsShareOfTheInterval() {
        let before = CPUTimes(procStat: "cpu1 10 0 10 100 0 0 0 5 0 0\n")
        let after = CPUTimes(procStat: "cpu1 40 0 20 150 0 0 0 25 0 0\n")
        // +30 user +10 system +50 idle +20 steal: 20 of 110 ticks.
        #expect(after.stealFraction(of: 1, since: before) == 20.0 / 110)
        #expect(after.busyFraction(of: 1, since: before) == 40.0 / 110)
        #expect(after.stealFraction(of: 0, since: before) == 0)
    }
}
