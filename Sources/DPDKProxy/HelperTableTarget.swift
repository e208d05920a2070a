#if canImport(Glibc)
import Glibc
#endif
import TableTargets

/// `rss-apply dpdk:PORT[@FILE_PREFIX]`: the port's table, read and written by
/// `rss-dpdk table DEVICE` (DPDKPort's DPDKTableTarget, in a process of its own). rss-apply
/// starts the helper at the first read or write; the helper ends when rss-apply's end of their
/// socket closes, however rss-apply ends, after it wrote back the table found at start when
/// asked to. Making one only parses the device, so that an absent helper or primary is a device
/// that cannot be written (exit 69), not a malformed command line. Dropping the target closes
/// the socket and waits for the helper, so that a long-running owner (rss-balance) leaves no
/// helper running nor a zombie.
final class HelperTableTarget: TableTarget {
    let dpdkDevice: DPDKDevice
    private var link: TableLink?
    private var helper: pid_t?

    init(_ device: DPDKDevice) {
        dpdkDevice = device
    }

    deinit {
        link = nil
        guard let helper else { return }
        var status: Int32 = 0
        while waitpid(helper, &status, 0) < 0 && errno == EINTR {}
    }

    var device: String { dpdkDevice.description }

    func read() throws(TargetError) -> DeviceTable { try connected().read() }

    func write(_ reta: [Int]) throws(TargetError) { try connected().write(reta) }

    private func connected() throws(TargetError) -> TableLink {
        if let link { return link }
        do throws(DPDKError) {
            let helper = try DPDKHelper.start(["table", device])
            self.helper = helper.pid
            let started = TableLink(device: device, socket: helper.socket, server: "\(DPDKHelper.name) (pid \(helper.pid))")
            link = started
            return started
        } catch {
            throw TargetError("\(device): \(error.description)")
        }
    }
}
