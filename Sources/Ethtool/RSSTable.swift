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
        let sizes = try EthtoolDevice.withRXFH(indirection: 0, key: 0) { (buffer) throws(EthtoolError) in
            header(buffer).pointee.rss_context = context
            try run("ETHTOOL_GRSSH", buffer)
            return (Int(header(buffer).pointee.indir_size), Int(header(buffer).pointee.key_size))
        }
        return try EthtoolDevice.withRXFH(indirection: sizes.0, key: sizes.1) { (buffer) throws(EthtoolError) in
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
        precondition(!table.isEmpty, "an empty table asks for the driver's default: resetIndirection")
        try runSet(EthtoolDevice.setIndirectionRequest(table, context: context, inputTransform: inputTransform))
    }

    /// Puts the driver's default table back, as `ethtool -X IFACE default` does: the kernel
    /// then counts the table as not configured, so the driver spreads it again over the queues
    /// when the channel count changes (`ethtool -L`).
    public func resetIndirection(context: UInt32 = 0, inputTransform: UInt8 = 0) throws(EthtoolError) {
        try runSet(EthtoolDevice.setIndirectionRequest([], context: context, inputTransform: inputTransform))
    }

    /// The receive rings the kernel spreads its default table over (`ETHTOOL_GRXRINGS`).
    public func receiveRings() throws(EthtoolError) -> Int {
        var request = ethtool_rxnfc()
        request.cmd = UInt32(ETHTOOL_GRXRINGS)
        try run("ETHTOOL_GRXRINGS", &request)
        return Int(request.data)
    }

    /// The bytes of an `ETHTOOL_SRSSH` request setting `table` (none: the driver's default,
    /// `indir_size` 0) and keeping the key (`key_size` 0) and hash function (`hfunc` 0).
    static func setIndirectionRequest(_ table: [UInt32], context: UInt32, inputTransform: UInt8) -> [UInt8] {
        withRXFH(indirection: table.count, key: 0) { buffer in
            header(buffer).pointee.cmd = UInt32(ETHTOOL_SRSSH)
            header(buffer).pointee.rss_context = context
            buffer[inputTransformOffset] = inputTransform
            let tail = buffer.baseAddress! + MemoryLayout<ethtool_rxfh>.size
            table.withUnsafeBytes { tail.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return Array(buffer)
        }
    }

    /// Sends `request`; the kernel copies it in, whatever its alignment.
    private func runSet(_ request: [UInt8]) throws(EthtoolError) {
        var request = request
        let failure = request.withUnsafeMutableBytes { buffer -> EthtoolError? in
            do throws(EthtoolError) { try run("ETHTOOL_SRSSH", buffer); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    /// A zeroed `struct ethtool_rxfh` followed by room for the table and the key, as the
    /// kernel lays them out (`rss_config[]`: table entries first, then key bytes).
    private static func withRXFH<Result, Failure>(indirection: Int, key: Int,
                                                  _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result)
        throws(Failure) -> Result {
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
