import Foundation

/// Just enough TOML to read what decides a Python environment from `pyproject.toml` and
/// `Pipfile`: which tables exist and the string values of a few keys. Arrays, inline tables
/// and multi-line strings are stepped over whole (kept as raw text), so a line inside them is
/// never mistaken for a table header. Anything it cannot follow ends the scan early, keeping
/// what it read so far: detection then sees fewer facts, never wrong ones.
struct TOMLScanner {
    enum Value: Hashable {
        case string(String)
        /// Numbers, booleans, arrays, inline tables: the text as written.
        case raw(String)

        var string: String? {
            if case .string(let text) = self { return text }
            return nil
        }
    }

    /// Every table header in order (`[a.b]` and `[[a.b]]` alike), as key paths.
    private(set) var tables: [[String]] = []
    /// Every key with its full path (table path + dotted key).
    private(set) var entries: [(path: [String], value: Value)] = []

    init(_ text: String) {
        var reader = Reader(Array(text.unicodeScalars))
        var table: [String] = []
        while true {
            reader.skipBlankLinesAndComments()
            guard let next = reader.peek() else { break }
            if next == "[" {
                guard let header = reader.readHeader() else { break }
                table = header
                tables.append(header)
            } else {
                guard let key = reader.readKey(), reader.expect("="), let value = reader.readValue() else { break }
                entries.append((table + key, value))
            }
            reader.skipRestOfLine()
        }
    }

    /// Whether the table `path` or anything under it is present (`[tool.uv]`, `[tool.uv.sources]`,
    /// `[[tool.uv.index]]` or a dotted `tool.uv.x = …` all count for `["tool", "uv"]`).
    func contains(_ path: [String]) -> Bool {
        tables.contains { $0.starts(with: path) } || entries.contains { $0.path.starts(with: path) }
    }

    func value(_ path: [String]) -> Value? {
        entries.first { $0.path == path }?.value
    }

    func string(_ path: [String]) -> String? {
        value(path)?.string
    }

    /// Table names directly under `path`, in order of appearance, e.g. Poetry's groups.
    func childTables(of path: [String]) -> [String] {
        var names: [String] = []
        let paths = tables + entries.map(\.path)
        for candidate in paths where candidate.count > path.count && candidate.starts(with: path) {
            let name = candidate[path.count]
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// A string value inside an inline table, such as `version` in `python = {version = "^3.10"}`.
    static func inlineString(_ raw: String, key: String) -> String? {
        var reader = Reader(Array(raw.unicodeScalars))
        guard reader.expect("{") else { return nil }
        while let name = reader.readKey(), reader.expect("=") {
            reader.skipSpaces()
            // Nested tables and arrays are stepped over; only a plain value can be the answer.
            let value = (reader.peek() == "{" || reader.peek() == "[") ? reader.readBalanced().map(Value.raw) : reader.readInlineValue()
            guard let value else { return nil }
            if name == [key] { return value.string }
            guard reader.expect(",") else { return nil }
        }
        return nil
    }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func skipSpaces() {
            while let scalar = peek(), scalar == " " || scalar == "\t" { index += 1 }
        }

        mutating func skipRestOfLine() {
            while let scalar = peek(), scalar != "\n" { index += 1 }
        }

        mutating func skipBlankLinesAndComments() {
            while let scalar = peek() {
                if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                    index += 1
                } else if scalar == "#" {
                    skipRestOfLine()
                } else {
                    return
                }
            }
        }

        mutating func expect(_ scalar: Unicode.Scalar) -> Bool {
            skipSpaces()
            guard peek() == scalar else { return false }
            index += 1
            return true
        }

        /// `[a."b.c".d]` or `[[a.b]]`.
        mutating func readHeader() -> [String]? {
            index += 1
            let arrayTable = peek() == "["
            if arrayTable { index += 1 }
            guard let key = readKey(), expect("]") else { return nil }
            if arrayTable && !expect("]") { return nil }
            return key
        }

        /// A dotted key of bare and quoted parts, up to `=` or `]`.
        mutating func readKey() -> [String]? {
            var parts: [String] = []
            while true {
                skipSpaces()
                guard let scalar = peek() else { return nil }
                if scalar == "\"" || scalar == "'" {
                    guard let quoted = readQuoted() else { return nil }
                    parts.append(quoted)
                } else {
                    var bare = ""
                    while let next = peek(), next.properties.isAlphabetic || ("0"..."9").contains(next) || next == "_" || next == "-" {
                        bare.unicodeScalars.append(next)
                        index += 1
                    }
                    guard !bare.isEmpty else { return nil }
                    parts.append(bare)
                }
                skipSpaces()
                if peek() == "." {
                    index += 1
                    continue
                }
                return parts
            }
        }

        mutating func readValue() -> Value? {
            skipSpaces()
            guard let scalar = peek() else { return nil }
            if scalar == "\"" || scalar == "'" {
                if peek(1) == scalar && peek(2) == scalar { return readMultiline(scalar).map(Value.string) }
                return readQuoted().map(Value.string)
            }
            if scalar == "[" || scalar == "{" { return readBalanced().map(Value.raw) }
            var text = ""
            while let next = peek(), next != "\n", next != "#" {
                text.unicodeScalars.append(next)
                index += 1
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : .raw(trimmed)
        }

        /// A value inside an inline table: a string, or bare text up to `,` or `}`.
        mutating func readInlineValue() -> Value? {
            skipSpaces()
            guard let scalar = peek() else { return nil }
            if scalar == "\"" || scalar == "'" { return readQuoted().map(Value.string) }
            var text = ""
            while let next = peek(), next != ",", next != "}", next != "\n" {
                text.unicodeScalars.append(next)
                index += 1
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : .raw(trimmed)
        }

        /// A one-line basic ("…", with escapes) or literal ('…') string.
        mutating func readQuoted() -> String? {
            guard let quote = peek() else { return nil }
            index += 1
            var text = ""
            while let scalar = peek() {
                index += 1
                if scalar == quote { return text }
                if scalar == "\n" { return nil }
                if scalar == "\\" && quote == "\"", let escaped = peek() {
                    index += 1
                    switch escaped {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    default: text.unicodeScalars.append(escaped)
                    }
                    continue
                }
                text.unicodeScalars.append(scalar)
            }
            return nil
        }

        mutating func readMultiline(_ quote: Unicode.Scalar) -> String? {
            index += 3
            var text = ""
            while let scalar = peek() {
                if scalar == quote && peek(1) == quote && peek(2) == quote {
                    index += 3
                    return text
                }
                text.unicodeScalars.append(scalar)
                index += 1
            }
            return nil
        }

        /// An array or inline table, possibly over several lines, with strings and comments inside.
        mutating func readBalanced() -> String? {
            var depth = 0
            var text = ""
            while let scalar = peek() {
                switch scalar {
                case "\"", "'":
                    let start = index
                    let closed = (peek(1) == scalar && peek(2) == scalar) ? readMultiline(scalar) != nil : readQuoted() != nil
                    guard closed else { return nil }
                    text.unicodeScalars.append(contentsOf: scalars[start..<index])
                    continue
                case "#":
                    skipRestOfLine()
                    continue
                case "[", "{":
                    depth += 1
                case "]", "}":
                    depth -= 1
                default:
                    break
                }
                text.unicodeScalars.append(scalar)
                index += 1
                if depth == 0 { return text }
            }
            return nil
        }
    }
}
