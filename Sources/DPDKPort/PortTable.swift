import CDPDKSecondary
import DPDKProxy
import RssppDPDK
import TableTargets

/// A port's table in force. With an rsspp block, the library says which table that is
/// (rsspp_block_read_table) and how a table is written: posted to the primary's mailbox when
/// it answers one, else stored in the block's software table, else written to the PMD's RETA
/// from this process. Without a block, the PMD's RETA. Every read and write first checks that
/// the primary still runs (the block's primary, or EAL's lock when reaching the PMD).
struct PortTable {
    let device: DPDKDevice
    let block: UnsafeMutablePointer<rsspp_block>?

    init(_ device: DPDKDevice, requiringBlock: Bool = false) throws(DPDKError) {
        try Attachment.attach(device)
        _ = try Attachment.facts(device)
        self.device = device
        block = try Attachment.block(device, required: requiringBlock)
    }

    func read() throws(DPDKError) -> DeviceTable {
        if let block {
            var table = [UInt16](repeating: 0, count: Int(block.pointee.table_size))
            try call { rsspp_block_read_table(block, &table, $0, $1) }
            return DeviceTable(reta: table.map(Int.init), queues: Int(block.pointee.queues))
        }
        let facts = try Attachment.facts(device)
        guard facts.reta_size > 0 else { throw noTable(facts) }
        var table = [UInt16](repeating: 0, count: Int(facts.reta_size))
        guard rsspp_reta_query(device.port, &table, facts.reta_size) == 0 else {
            throw DPDKError("\(device): \(libraryError())")
        }
        return DeviceTable(reta: table.map(Int.init), queues: Int(facts.rx_queues))
    }

    /// Writes `reta` whole and reads it back; the caller has validated it against `read()`.
    func write(_ reta: [Int]) throws(DPDKError) {
        let table = reta.map { UInt16($0) }
        if let block, block.pointee.flags & RSSPP_FLAG_MAILBOX != 0 {
            try call { rsspp_block_post_table(block, table, UInt32(RSSPP_MAILBOX_TIMEOUT_MS), $0, $1) }
        } else if let block, block.pointee.flags & RSSPP_FLAG_SOFTWARE_RSS != 0 {
            try call { rsspp_block_write_table(block, table, $0, $1) }
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

    /// Runs a library call that reports failure with a message in a buffer; throws it, naming the device.
    private func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(DPDKError) {
        if let failure = withErrorBuffer(body) { throw DPDKError("\(device): \(failure)") }
    }

    private func noTable(_ facts: rsspp_port_facts) -> DPDKError {
        let driver = withUnsafeBytes(of: facts.driver) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return DPDKError("\(device): port \(device.port) (\(driver)) has no RETA and \(facts.rx_queues) rx queues, and its application does not run rsspp software RSS (rsspp_dispatch_burst): there is no table to read or write")
    }
}
