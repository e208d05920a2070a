import ToolSupport

/// A configuration that cannot work; `description` says where (`FILE:LINE: what`) when it comes
/// from a file. rss-balance exits 78 on it.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// rss-balance's config file (`/etc/rsspp/IFACE.conf`): one `KEY=VALUE` per line as a shell
/// would assign a variable, `#` comments and blank lines ignored, values quoted as in a shell
/// (`PLAN_OPTIONS="--threshold 0.1"`), nothing expanded. A key may be given once.
public enum ConfigFile {
    public static func load(_ path: String) throws(ConfigError) -> BalanceOptions {
        let read: [UInt8]?
        do {
            read = try DurableFile(path: path).read(limit: 1 << 20)
        } catch {
            throw ConfigError(error.description)
        }
        guard let bytes = read else { throw ConfigError("\(path): larger than 1 MiB; not a config file") }
        return try parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> BalanceOptions {
        var options = BalanceOptions()
        var given: [String: Int] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func fail(_ what: String) -> ConfigError { ConfigError("\(file):\(number): \(what)") }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw fail("expected KEY=VALUE, found \"\(trimmed)\"")
            }
            let key = String(trimmed[..<equals])
            guard let field = BalanceOptions.field(key) else {
                throw fail("unknown key \"\(key)\"; expected one of \(BalanceOptions.keys.sorted().joined(separator: ", "))")
            }
            if let earlier = given[key] { throw fail("\(key) was already set on line \(earlier)") }
            given[key] = number
            let words: [String]
            do {
                words = try ShellWords.split(String(trimmed[trimmed.index(after: equals)...]))
            } catch {
                throw fail(error.description)
            }
            guard words.count <= 1 else {
                throw fail("\(key): the value has unquoted blanks; quote it: \(key)=\"\(words.joined(separator: " "))\"")
            }
            do throws(ConfigError) { try options.set(field, key: key, to: words.first ?? "") } catch { throw fail(error.description) }
        }
        return options
    }
}
