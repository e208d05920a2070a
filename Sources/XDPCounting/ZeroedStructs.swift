/// Runs `body` on a `T` whose every byte is zero, padding included. The kernel and libbpf refuse
/// a struct with non-zero bytes where they expect none (padding, fields they do not know: libbpf
/// says "has non-zero extra bytes"), and Swift's zero initialiser of an imported C struct leaves
/// its padding undefined, so structs handed to either are made here.
func withZeroedStruct<T, Result>(_ type: T.Type, _ body: (UnsafeMutablePointer<T>) throws -> Result) rethrows -> Result {
    let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
    defer { pointer.deallocate() }
    UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
    return try body(pointer)
}

/// A libbpf options struct as libbpf's own `LIBBPF_OPTS` makes one: every byte zero, then `sz`
/// (its first member, named by `size`) set to the struct's C size.
func withLibbpfOptions<Options, Result>(_ size: KeyPath<Options, Int>,
                                        _ body: (UnsafeMutablePointer<Options>) throws -> Result) rethrows -> Result {
    precondition(MemoryLayout<Options>.offset(of: size) == 0, "sz must be the first member of a libbpf options struct")
    return try withZeroedStruct(Options.self) { options in
        // Stored as raw bytes: no copy of the struct, whose padding a copy need not keep.
        UnsafeMutableRawPointer(options).storeBytes(of: MemoryLayout<Options>.stride, as: Int.self)
        return try body(options)
    }
}
