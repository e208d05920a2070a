import CDPDKSecondary
import RssppDPDK
import TableTargets

/// A port's table in force: the block's software table when its application dispatches in
/// software (RSSPP_FLAG_SOFTWARE_RSS), else the PMD's RETA.
struct PortTable {
    let device: DPDKDevice
    let block: UnsafeMutablePointer<rsspp_block>?

    init(_ device: DPDKDevice, requiringBlock: Bool = false) throws(DPDKError) {
        try Attachment.attach(device)
        _ = try Attachment.facts(device)
        self.device = device
        block = try Attachment.block(device, required: requiringBlock)
    }

    var isSoftware: Bool {
        guard let block else { return false }
        return block.pointee.flags & RSSPP_FLAG_SOFTWARE_RSS != 0
    }

    func read() throws(DPDKError) -> DeviceTable {
        if let block, isSoftware {
            let entries = rsspp_block_table(block)!
            let reta = (0..<Int(block.pointee.table_size)).map { Int(entries[$0]) }
            return DeviceTable(reta: reta, queues: Int(block.pointee.queues))
        }
        let facts = try Attachment.facts(device)
        guard facts.reta_size > 0 else {
            if facts.rx_queues == 1, let block {
                // One queue and no RETA: every bucket goes to queue 0.
                return DeviceTable(reta: Array(repeating: 0, count: Int(block.pointee.table_size)), queues: 1)
            }
            throw noTable(facts)
        }
        var table = [UInt16](repeating: 0, count: Int(facts.reta_size))
        guard rsspp_reta_query(device.port, &table, facts.reta_size) == 0 else {
            throw DPDKError("\(device): \(libraryError())")
        }
        return DeviceTable(reta: table.map(Int.init), queues: Int(facts.rx_queues))
    }

    /// Writes `reta` whole and reads it back; the caller has validated it against `read()`.
    func write(_ reta: [Int]) throws(DPDKError) {
        let table = reta.map { UInt16($0) }
        if let block, isSoftware {
            let failure = withErrorBuffer { rsspp_block_write_table(block, table, $0, $1) }
            if let failure { throw DPDKError("\(device): software table: \(failure)") }
        } else {
            let facts = try Attachment.facts(device)
            guard facts.reta_size > 0 else { throw noTable(facts) }
            guard rsspp_reta_update(device.port, table, UInt16(table.count)) == 0 else {
                throw DPDKError("\(device): \(libraryError())")
            }
        }
        let back = try read().reta
        guard back != reta else { return }
        guard back.count == reta.count else {
            throw DPDKError("\(device): wrote \(reta.count) entries, but the table reads back with \(back.count)")
        }
        let bucket = back.indices.first { back[$0] != reta[$0] }!
        throw DPDKError("\(device): wrote the table, but bucket \(bucket) reads back as queue \(back[bucket]), not \(reta[bucket])")
    }

    private func noTable(_ facts: rsspp_port_facts) -> DPDKError {
        let driver = withUnsafeBytes(of: facts.driver) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return DPDKError("\(device): port \(device.port) (\(driver)) has no RETA and \(facts.rx_queues) rx queues, and its application does not run rsspp software RSS (rsspp_dispatch_burst): there is no table to read or write")
    }
}
