/// Text split into words as a POSIX shell splits a command line, without any expansion: blanks
/// separate words, `'…'` keeps everything literally, `"…"` keeps blanks and lets a backslash
/// escape `"`, `\`, `$` and `` ` ``, a backslash outside quotes escapes the next character, and
/// `#` at the start of a word begins a comment. A `$` or `` ` `` that a shell would expand is an
/// error, so that a setting never means one thing here and another in a shell.
public enum ShellWords {
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public static func split(_ text: String) throws(Problem) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch character {
            case " ", "\t":
                if inWord { words.append(word); word = ""; inWord = false }
            case "#" where !inWord:
                return words
            case "'":
                inWord = true
                while true {
                    guard let quoted = characters.next() else { throw Problem("unterminated ' quote") }
                    if quoted == "'" { break }
                    word.append(quoted)
                }
            case "\"":
                inWord = true
                while true {
                    guard let quoted = characters.next() else { throw Problem("unterminated \" quote") }
                    if quoted == "\"" { break }
                    if quoted == "\\" {
                        guard let escaped = characters.next() else { throw Problem("unterminated \" quote") }
                        if !"\"\\$`".contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        try refuseExpansion(quoted)
                        word.append(quoted)
                    }
                }
            case "\\":
                guard let escaped = characters.next() else { throw Problem("a backslash ends the text") }
                inWord = true
                word.append(escaped)
            default:
                try refuseExpansion(character)
                inWord = true
                word.append(character)
            }
        }
        if inWord { words.append(word) }
        return words
    }

    private static func refuseExpansion(_ character: Character) throws(Problem) {
        guard character == "$" || character == "`" else { return }
        throw Problem("\"\(character)\" would be expanded by a shell and rss-balance expands nothing; "
            + "quote it with '…' or escape it with a backslash")
    }
}
