/// A binary max-heap of (key, id) pairs; equal keys come out lowest id first, so that every
/// tie is broken the same way on every run.
struct PriorityHeap<Key: Comparable> {
    struct Entry {
        var key: Key
        var id: Int
    }

    private var entries: [Entry] = []

    init(capacity: Int = 0) { entries.reserveCapacity(capacity) }

    var isEmpty: Bool { entries.isEmpty }
    var top: Entry? { entries.first }

    private func before(_ a: Entry, _ b: Entry) -> Bool { a.key > b.key || (a.key == b.key && a.id < b.id) }

    mutating func push(_ key: Key, _ id: Int) {
        entries.append(Entry(key: key, id: id))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < entries.count, before(entries[left], entries[first]) { first = left }
            if right < entries.count, before(entries[right], entries[first]) { first = right }
            if first == parent { break }
            entries.swapAt(parent, first)
            parent = first
        }
        return top
    }
}
