/// Writes mdoc source: macro lines with quoted arguments, and text lines with one sentence
/// per line, wrapped within 80 bytes, with roff's special characters escaped.
struct MDoc {
    private(set) var text = ""

    static let maximumLineLength = 80

    mutating func raw(_ line: String) {
        text += line + "\n"
    }

    mutating func comment(_ line: String) {
        raw(".\\\" " + line)
    }

    /// `.NAME ARG…`, each argument quoted when it holds a blank.
    mutating func macro(_ name: String, _ arguments: String...) {
        raw(([".\(name)"] + arguments.map(Self.argument)).joined(separator: " "))
    }

    /// Text lines; blank lines in `text` start new paragraphs.
    mutating func paragraphs(_ text: String) {
        let paragraphs = text.components(separatedBy: "\n\n")
            .map { $0.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        for (index, paragraph) in paragraphs.enumerated() {
            if index > 0 { raw(".Pp") }
            self.text(paragraph)
        }
    }

    /// One paragraph's text: a line per sentence, wrapped.
    mutating func text(_ paragraph: String) {
        for sentence in Self.sentences(paragraph) {
            for line in Self.wrap(sentence) { raw(Self.escapeTextLine(line)) }
        }
    }

    // MARK: Text

    /// Abbreviations whose full stop does not end a sentence.
    static let abbreviations = ["e.g.", "i.e.", "etc.", "vs."]

    /// Splits after `.`, `?`, `!` (and a closing quote or parenthesis) followed by a blank.
    static func sentences(_ paragraph: String) -> [String] {
        var result: [String] = []
        var current = ""
        let characters = Array(paragraph)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            current.append(character)
            if ".?!".contains(character) {
                var end = index + 1
                while end < characters.count, "'\")".contains(characters[end]) {
                    current.append(characters[end])
                    end += 1
                }
                let isAbbreviation = abbreviations.contains { current.hasSuffix(" " + $0) || current == $0 || current.hasSuffix("(" + $0) }
                if end < characters.count, characters[end] == " ", !isAbbreviation {
                    result.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                    index = end + 1
                    continue
                }
                index = end
                continue
            }
            index += 1
        }
        let rest = current.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { result.append(rest) }
        return result
    }

    /// Words packed into lines whose escaped form fits in 80 bytes.
    static func wrap(_ sentence: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in sentence.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if !line.isEmpty && escapeTextLine(candidate).utf8.count > maximumLineLength {
                lines.append(line)
                line = word
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func escapeTextLine(_ line: String) -> String {
        var escaped = escapeCharacters(line)
        // Abbreviations keep their full stop from ending a sentence.
        for abbreviation in abbreviations {
            escaped = escaped.replacingOccurrences(of: abbreviation + " ", with: abbreviation + "\\& ")
        }
        if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
        return escaped
    }

    /// Backslashes as `\e`, everything beyond ASCII as `\[uXXXX]`.
    static func escapeCharacters(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\":
                escaped += "\\e"
            case _ where scalar.value < 0x80:
                escaped.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                escaped += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            }
        }
        return escaped
    }

    /// A macro argument: quoted when it holds a blank, `"` written as `\(dq`.
    static func argument(_ value: String) -> String {
        let escaped = escapeCharacters(value).replacingOccurrences(of: "\"", with: "\\(dq")
        return escaped.isEmpty || escaped.contains(" ") ? "\"\(escaped)\"" : escaped
    }

    /// An `.Nd` line: one line, no full stop at the end.
    static func descriptionLine(_ abstract: String) -> String {
        var line = abstract.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        while line.hasSuffix(".") { line.removeLast() }
        return line
    }

    /// `2026-11-27` → `November 27, 2026`.
    static func longDate(_ isoDate: String) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                      "September", "October", "November", "December"]
        let parts = isoDate.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return isoDate }
        return "\(months[parts[1] - 1]) \(parts[2]), \(parts[0])"
    }
}
