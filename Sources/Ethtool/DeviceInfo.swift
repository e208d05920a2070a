import CEthtool

/// The driver behind an interface (`ETHTOOL_GDRVINFO`), as `ethtool -i` shows it.
public struct DriverInfo: Equatable, Sendable {
    public var driver: String
    public var version: String
    public var busInfo: String
}

/// How many queues an interface has (`ETHTOOL_GCHANNELS`), as `ethtool -l` shows them.
public struct Channels: Equatable, Sendable {
    public var receive: Int
    public var transmit: Int
    public var other: Int
    public var combined: Int
    public var maxReceive: Int
    public var maxTransmit: Int
    public var maxOther: Int
    public var maxCombined: Int

    /// The receive queues an indirection table entry may name: combined and receive-only.
    public var receiveQueues: Int { combined + receive }
}

extension EthtoolDevice {
    public func driverInfo() throws(EthtoolError) -> DriverInfo {
        var info = ethtool_drvinfo()
        info.cmd = UInt32(ETHTOOL_GDRVINFO)
        try run("ETHTOOL_GDRVINFO", &info)
        return DriverInfo(driver: string(info.driver), version: string(info.version),
                          busInfo: string(info.bus_info))
    }

    public func channels() throws(EthtoolError) -> Channels {
        var channels = ethtool_channels()
        channels.cmd = UInt32(ETHTOOL_GCHANNELS)
        try run("ETHTOOL_GCHANNELS", &channels)
        return Channels(receive: Int(channels.rx_count), transmit: Int(channels.tx_count),
                        other: Int(channels.other_count), combined: Int(channels.combined_count),
                        maxReceive: Int(channels.max_rx), maxTransmit: Int(channels.max_tx),
                        maxOther: Int(channels.max_other), maxCombined: Int(channels.max_combined))
    }
}

/// A NUL-terminated C string held in a fixed-size char array (imported as a tuple).
private func string<Tuple>(_ field: Tuple) -> String {
    withUnsafeBytes(of: field) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}
