import Foundation
import Yams

/// Turns libyaml's scanner and parser errors into diagnostics a person can act on.
enum YAMLSyntaxError {
    static func diagnostic(for error: any Error, source: String, file: String) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return Diagnostic(file: file, location: .start, message: "cannot read the file as YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return explain(problem: problem, context: context?.text, contextMark: context?.mark,
                           mark: SourceLocation(line: mark.line, column: mark.column), source: source, file: file)
        case .reader(let problem, let offset, _, _):
            let location = offset.map { Self.location(ofUTF8Offset: $0, in: source) } ?? .start
            return Diagnostic(file: file, location: location, message: "the file is not valid text: \(problem)",
                              hint: "save it as UTF-8")
        case .dataCouldNotBeDecoded:
            return Diagnostic(file: file, location: .start, message: "the file is not valid UTF-8 text", hint: "save it as UTF-8")
        default:
            return Diagnostic(file: file, location: .start, message: "cannot read the file as YAML: \(yamlError)")
        }
    }

    static func explain(problem: String, context: String?, contextMark: Mark?, mark: SourceLocation, source: String, file: String) -> Diagnostic {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        let structural = problem.hasPrefix("did not find expected key")
            || problem.hasPrefix("mapping values are not allowed")
            || problem.hasPrefix("did not find expected '-' indicator")
            || problem.hasPrefix("could not find expected ':'")
        if structural {
            // libyaml sometimes reports at the token after the misplaced line.
            for line in [mark.line, mark.line - 1] where line >= 1 {
                if let diagnostic = IndentationCheck(lines: lines).problem(atLine: line, file: file) {
                    return diagnostic
                }
            }
        }
        let lineText = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1] : ""
        let character: Character? = {
            let scalars = Array(lineText.unicodeScalars)
            return mark.column >= 1 && mark.column <= scalars.count ? Character(scalars[mark.column - 1]) : nil
        }()
        let contextLocation = contextMark.map { SourceLocation(line: $0.line, column: $0.column) }
        switch problem {
        case let text where text.hasPrefix("found character that cannot start any token") && character == "\t":
            return Diagnostic(file: file, location: mark, message: "a tab character is used for indentation",
                              hint: "YAML indents with spaces only: replace the tab with spaces")
        case let text where text.hasPrefix("found character that cannot start any token"):
            let shown = character.map { "'\($0)'" } ?? "this character"
            return Diagnostic(file: file, location: mark, message: "a value cannot start with \(shown)",
                              hint: "put the value in quotes, like \"\(lineText.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces))\"")
        case let text where text.hasPrefix("mapping values are not allowed"):
            let hint = quotedSuggestion(for: lineText).map { "a value that contains ': ' must be quoted: \($0)" }
                ?? "a value that contains ': ' must be put in quotes"
            return Diagnostic(file: file, location: mark, message: "unexpected ':' inside a value", hint: hint)
        case let text where text.hasPrefix("found undefined alias"):
            return Diagnostic(file: file, location: mark, message: "this alias refers to no anchor",
                              hint: "define the anchor first with &NAME, or quote the value if '*' is meant literally")
        case let text where text.hasPrefix("found unexpected end of stream") && (context ?? "").contains("quoted scalar"):
            return Diagnostic(file: file, location: contextLocation ?? mark, message: "a quoted value is never closed",
                              hint: "add the closing quote")
        case let text where text.hasPrefix("did not find expected ',' or ']'"):
            return Diagnostic(file: file, location: contextLocation ?? mark, message: "a [ list ] is not closed",
                              hint: "add the closing ']' or separate the entries with ','")
        case let text where text.hasPrefix("did not find expected ',' or '}'"):
            return Diagnostic(file: file, location: contextLocation ?? mark, message: "a { mapping } is not closed",
                              hint: "add the closing '}' or separate the entries with ','")
        case let text where text.hasPrefix("found duplicate anchor"):
            return Diagnostic(file: file, location: mark, message: "an anchor name is defined twice", hint: "give each anchor its own name")
        default:
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context))" }
            return Diagnostic(file: file, location: mark, message: message,
                              hint: structural ? "check the indentation and the ':' after each key on this line and the one before it" : nil)
        }
    }

    /// `source` with the line of a bad-indentation `diagnostic` indented like the nearest key
    /// it could belong with, so that reading can go on and report the next mistake too; nil
    /// for any other diagnostic.
    static func repairingIndentation(_ source: String, at diagnostic: Diagnostic) -> String? {
        guard diagnostic.message.hasPrefix("bad indentation:") else { return nil }
        var raw = source.split(separator: "\n", omittingEmptySubsequences: false)
        let lines = raw.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let repaired = IndentationCheck(lines: lines).repaired(atLine: diagnostic.line) else { return nil }
        let index = diagnostic.line - 1
        let newIndent = repaired[index].prefix { $0 == " " }.count
        raw[index] = Substring(String(repeating: " ", count: newIndent)) + raw[index].drop { $0 == " " }
        return raw.joined(separator: "\n")
    }

    /// `key: "value"` for a line `key: value` whose value holds a ': ', or nil.
    static func quotedSuggestion(for line: Substring) -> String? {
        var rest = line.drop { $0 == " " }
        var prefix = ""
        if rest.hasPrefix("- ") {
            prefix = "- "
            rest = rest.dropFirst(2)
        }
        guard let separator = rest.range(of: ": ") else { return nil }
        let key = rest[..<separator.lowerBound]
        let value = rest[separator.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, !value.isEmpty, !value.hasPrefix("\""), !value.hasPrefix("'") else { return nil }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\(prefix)\(key): \"\(escaped)\""
    }

    static func location(ofUTF8Offset offset: Int, in source: String) -> SourceLocation {
        var line = 1, column = 1, consumed = 0
        for scalar in source.unicodeScalars {
            if consumed >= offset { break }
            consumed += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(line: line, column: column)
    }
}
