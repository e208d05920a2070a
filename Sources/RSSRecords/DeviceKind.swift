/// A kind of `kind:argument` string, the form of the records' `device` and `source`
/// (`dpdk:PORT[@FILE_PREFIX]`), that a module above the source and target factories provides:
/// the factories' modules, and the tools that do not need the kind, stay free of its libraries.
/// `make` builds the source or target from the whole string and what else the factory has.
public struct DeviceKind<Context, Made>: Sendable {
    /// What comes before the colon: `dpdk`.
    public let name: String
    /// How the string is written, for messages: `dpdk:PORT[@FILE_PREFIX]`.
    public let usage: String
    public let make: @Sendable (_ text: String, _ context: Context) throws -> Made

    public init(name: String, usage: String, make: @escaping @Sendable (String, Context) throws -> Made) {
        self.name = name
        self.usage = usage
        self.make = make
    }
}

/// `kind[:argument]` split at the first colon, as sources and targets are named; the argument
/// may itself contain colons, and is nil when there is no colon.
public func splitKind(_ text: String) -> (kind: Substring, argument: String?) {
    guard let colon = text.firstIndex(of: ":") else { return (text[...], nil) }
    return (text[..<colon], String(text[text.index(after: colon)...]))
}

/// "a, b or c": the forms a string may take, for a message.
public func oneOf(_ forms: [String]) -> String {
    guard let last = forms.last else { return "" }
    return forms.count == 1 ? last : forms.dropLast().joined(separator: ", ") + " or " + last
}
