/// One queue's packets while the C library holds them: the library keeps a handle (a slot
/// number, never a Swift object's address), the packet stays here. Only the queue's thread
/// uses its lot, and there is one slot more than the queue may park: the packet being entered.
final class Lot<Packet> {
    private let slots: UnsafeMutablePointer<Packet?>
    private let count: Int
    private var free: [Int32]

    init(parkCapacity: Int) {
        count = parkCapacity + 1
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
        free = (0..<Int32(count)).reversed()
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func hold(_ packet: Packet) -> UnsafeMutableRawPointer {
        let slot = Int(free.removeLast())
        slots[slot] = packet
        return UnsafeMutableRawPointer(bitPattern: slot + 1)!
    }

    func take(_ handle: UnsafeMutableRawPointer?) -> Packet {
        let slot = Int(bitPattern: handle) - 1
        free.append(Int32(slot))
        return slots[slot].take()!
    }
}

/// What the C library's callbacks reach through their context pointer: not generic, since a C
/// function pointer cannot carry the packet type; the closures do.
final class Callbacks {
    let backlog: (@Sendable (Int) -> Int?)?
    let replay: (Int, Int, UnsafeMutableRawPointer?) -> Void
    let expire: (Int, Int, UnsafeMutableRawPointer?) -> Void

    init(backlog: (@Sendable (Int) -> Int?)?,
         replay: @escaping (Int, Int, UnsafeMutableRawPointer?) -> Void,
         expire: @escaping (Int, Int, UnsafeMutableRawPointer?) -> Void) {
        self.backlog = backlog
        self.replay = replay
        self.expire = expire
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> Callbacks {
        Unmanaged<Callbacks>.fromOpaque(context!).takeUnretainedValue()
    }
}
