/// Why a record line was rejected, with the line and the field it concerns: what a tool prints
/// before exiting with status 65 (or skipping the line under `--skip-invalid`).
public struct RecordError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String?
    public var message: String

    public init(line: Int, field: String? = nil, _ message: String) {
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "line \(line): \"\(field)\" \(message)" }
        return "line \(line): \(message)"
    }
}
