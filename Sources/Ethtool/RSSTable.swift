import CEthtool

/// An interface's RSS setup (`ETHTOOL_GRSSH`), as `ethtool -x` shows it.
public struct RSSSetup: Equatable, Sendable {
    /// Queue index per bucket; bucket = hash mod `indirection.count`.
    public var indirection: [UInt32]
    public var key: [UInt8]
    /// The `ETH_RSS_HASH_*` bit of the hash function in use (`ETH_RSS_HASH_TOP`: Toeplitz).
    public var hashFunction: UInt8
    /// The input transformation byte (symmetric-xor and the like, kernel 6.8 on; 0 before).
    public var inputTransform: UInt8
}

extension EthtoolDevice {
    /// The table, key and hash function of RSS context `context` (0: the device's main one).
    public func rssSetup(context: UInt32 = 0) throws(EthtoolError) -> RSSSetup {
        // The first call, with sizes 0, asks the kernel how large the table and key are.
        let sizes = try withRXFH(indirection: 0, key: 0) { (buffer) throws(EthtoolError) in
            header(buffer).pointee.rss_context = context
            try run("ETHTOOL_GRSSH", buffer)
            return (Int(header(buffer).pointee.indir_size), Int(header(buffer).pointee.key_size))
        }
        return try withRXFH(indirection: sizes.0, key: sizes.1) { (buffer) throws(EthtoolError) in
            header(buffer).pointee.rss_context = context
            try run("ETHTOOL_GRSSH", buffer)
            let tail = buffer.baseAddress! + MemoryLayout<ethtool_rxfh>.size
            let table = tail.assumingMemoryBound(to: UInt32.self)
            let key = (tail + sizes.0 * 4).assumingMemoryBound(to: UInt8.self)
            return RSSSetup(indirection: Array(UnsafeBufferPointer(start: table, count: sizes.0)),
                            key: Array(UnsafeBufferPointer(start: key, count: sizes.1)),
                            hashFunction: header(buffer).pointee.hfunc,
                            inputTransform: buffer[inputTransformOffset])
        }
    }

    /// Replaces the indirection table of RSS context `context` (`ETHTOOL_SRSSH`), leaving the
    /// key and hash function as they are. `inputTransform` must be the value `rssSetup` read:
    /// kernels from 6.8 on take 0 as "clear the transform", older ones accept only 0.
    public func setIndirection(_ table: [UInt32], context: UInt32 = 0,
                               inputTransform: UInt8 = 0) throws(EthtoolError) {
        try withRXFH(indirection: table.count, key: 0) { (buffer) throws(EthtoolError) in
            header(buffer).pointee.cmd = UInt32(ETHTOOL_SRSSH)
            header(buffer).pointee.rss_context = context
            buffer[inputTransformOffset] = inputTransform
            let tail = buffer.baseAddress! + MemoryLayout<ethtool_rxfh>.size
            table.withUnsafeBytes { tail.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            try run("ETHTOOL_SRSSH", buffer)
        }
    }

    /// A zeroed `struct ethtool_rxfh` followed by room for the table and the key, as the
    /// kernel lays them out (`rss_config[]`: table entries first, then key bytes).
    private func withRXFH<Result>(indirection: Int, key: Int,
                                  _ body: (UnsafeMutableRawBufferPointer) throws(EthtoolError) -> Result)
        throws(EthtoolError) -> Result {
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: MemoryLayout<ethtool_rxfh>.size + indirection * 4 + key,
            alignment: MemoryLayout<ethtool_rxfh>.alignment)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let rxfh = header(buffer)
        rxfh.pointee.cmd = UInt32(ETHTOOL_GRSSH)
        rxfh.pointee.indir_size = UInt32(indirection)
        rxfh.pointee.key_size = UInt32(key)
        return try body(buffer)
    }
}

private func header(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<ethtool_rxfh> {
    buffer.baseAddress!.assumingMemoryBound(to: ethtool_rxfh.self)
}

/// The byte after `hfunc`: `input_xfrm` in kernel headers from 6.8, `rsvd8[0]` before.
private let inputTransformOffset = MemoryLayout<ethtool_rxfh>.offset(of: \.hfunc)! + 1
