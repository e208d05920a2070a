/// The XDP program of Support/foreign_pass.bpf.c, compiled by clang's BPF target with BTF into
/// `directory`, for `xdp-loader load` and `ip link set dev IFACE xdp obj`; its path.
public func buildForeignXDPProgram(in directory: TemporaryDirectory) throws -> String {
    let object = directory.file("foreign_pass.o")
    let source = String(#filePath.dropLast("ForeignXDP.swift".count)) + "Support/foreign_pass.bpf.c"
    let built = try shell("clang -target bpf -O2 -g -I/usr/include/$(uname -m)-linux-gnu -c '\(source)' -o '\(object)'",
                          in: directory)
    guard built.status == 0 else { throw TestFailure("compiling \(source): \(built.stderr)") }
    return object
}

/// Its program's name, as `xdp-loader status` and `ip link` show it.
public let foreignXDPProgramName = "foreign_pass"
