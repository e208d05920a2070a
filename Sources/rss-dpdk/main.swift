#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import DPDKPort
import DPDKProxy
import LoadSources
import ToolSupport

RSSDPDK.main()

struct RSSDPDK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-dpdk",
        abstract: "The DPDK side of rss-count and rss-apply, the one tool of them that links DPDK: they run it when a dpdk: device is named.",
        version: rssppVersion,
        subcommands: [Count.self, Table.self])
}

/// dpdk:PORT[@FILE_PREFIX], refused as a usage error when malformed.
private func parsedDevice(_ text: String) throws -> DPDKDevice {
    do throws(DPDKError) { return try DPDKDevice(parsing: text) } catch { throw ValidationError(error.description) }
}

extension RSSDPDK {
    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count a DPDK port as rss-count does: rss-count runs this in its place, under its own name.")

        @Argument(help: "dpdk:PORT[@FILE_PREFIX]")
        var device: String

        @Option(parsing: .unconditional, help: "Seconds per epoch, 0.001 to 3600.")
        var interval = CounterOptions().interval

        @Option(parsing: .unconditional, help: "Stop after N records (default: run until a signal arrives).")
        var epochs: Int?

        func validate() throws {
            var options = CounterOptions()
            options.interval = interval
            options.epochs = epochs
            do { try options.validate() } catch { throw ValidationError(error.description) }
        }

        func run() throws {
            let device = try parsedDevice(device)
            RecordOutput.prepare()
            do {
                var records = try DPDKLoadSource(device, interval: interval, epochs: epochs, stopSignals: .hold())
                while let record = try records.next() { RecordOutput.write(record.jsonLine()) }
            } catch {
                diagnose("\(error)")
                throw ExitCode(ExitStatus.unavailable)
            }
        }
    }

    struct Table: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and write a DPDK port's table on requests from standard input, until it ends: rss-apply's dpdk: targets run this.")

        @Argument(help: "dpdk:PORT[@FILE_PREFIX]")
        var device: String

        func run() throws {
            let service = TableService(DPDKTableTarget(try parsedDevice(device)))
            // rss-apply puts the table found at start back through this process on SIGINT and
            // SIGTERM, which a terminal or a service manager also sends here: this process ends
            // when rss-apply has, and closed its end of the socket.
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            RecordOutput.prepare()
            do { try service.run() } catch {
                diagnose("\(error)")
                throw ExitCode(ExitStatus.unavailable)
            }
        }
    }
}
