/// Why a source cannot start or go on, naming what is wrong (a file, a scenario, a field).
public struct SourceError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable {
        /// The command line asks for something that does not exist (exit 64).
        case usage
        /// The input is not what it claims to be: not a capture, an unknown link type (exit 65).
        case badInput
        /// An input file does not exist or cannot be opened (exit 66).
        case noInput
        /// A file or device cannot be read or written (exit 69).
        case unavailable
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
