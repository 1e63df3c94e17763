import Foundation

/// The YAML shape of MLflow's `python_env.yaml` and conda's `environment.yml`: top-level
/// `key: value` pairs and top-level lists (block `- item` or flow `[a, b]`). Nested
/// mappings inside lists, such as conda's `- pip: [...]`, are stepped over. AME reads these
/// files only for a Python version and a list of requirements; the tools that build the
/// environment read them properly.
struct SimpleYAMLDocument {
    private(set) var scalars: [String: String] = [:]
    private(set) var lists: [String: [String]] = [:]

    init(_ text: String) {
        var currentList: String?
        var itemIndent: Int?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = Self.stripComment(String(rawLine))
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content == "---" || content == "..." { continue }
            let indent = line.prefix(while: { $0 == " " }).count
            if let key = currentList, content.hasPrefix("-"), indent >= (itemIndent ?? indent) {
                // Items of one list share an indentation; deeper ones belong to a nested mapping.
                if itemIndent == nil { itemIndent = indent }
                guard indent == itemIndent else { continue }
                let item = content.dropFirst().trimmingCharacters(in: .whitespaces)
                if !item.isEmpty && !Self.isMappingItem(item) { lists[key, default: []].append(Self.unquote(item)) }
                continue
            }
            // Lines inside a nested mapping item (`- pip:` and what follows) are deeper still.
            if currentList != nil, let itemIndent, indent > itemIndent { continue }
            currentList = nil
            itemIndent = nil
            guard indent == 0, let colon = Self.keySeparator(in: content) else { continue }
            let key = Self.unquote(String(content[..<colon]))
            let rest = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if rest.isEmpty {
                currentList = key
                lists[key] = lists[key] ?? []
            } else if rest.hasPrefix("[") && rest.hasSuffix("]") {
                lists[key] = rest.dropFirst().dropLast().split(separator: ",")
                    .map { Self.unquote($0.trimmingCharacters(in: .whitespaces)) }
                    .filter { !$0.isEmpty }
            } else {
                scalars[key] = Self.unquote(rest)
            }
        }
    }

    /// The first `: ` (or a final `:`) outside quotes.
    private static func keySeparator(in content: String) -> String.Index? {
        var quote: Character?
        var index = content.startIndex
        while index < content.endIndex {
            let character = content[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == ":" {
                let next = content.index(after: index)
                if next == content.endIndex || content[next] == " " { return index }
            }
            index = content.index(after: index)
        }
        return nil
    }

    private static func isMappingItem(_ item: String) -> Bool {
        keySeparator(in: item) != nil && !item.hasPrefix("\"") && !item.hasPrefix("'")
    }

    /// Drops a `#` comment that starts the line or follows a space, outside quotes.
    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, character) in line.enumerated() {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t") {
                return String(line.prefix(offset))
            }
            previous = character
        }
        return line
    }

    private static func unquote(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first {
            return String(trimmed.dropFirst().dropLast())
        }
        return trimmed
    }
}
