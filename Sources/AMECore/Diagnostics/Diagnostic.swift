import Foundation

/// One problem found in a user's input, pointing at the place to fix.
///
/// Rendered as `file:line:column: error: message` with an optional hint line, the
/// format compilers use so editors and terminals can jump to it.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable, Hashable {
        case error
        case warning
    }

    public var file: String
    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    public var hint: String?

    public init(
        file: String,
        location: SourceLocation,
        severity: Severity = .error,
        message: String,
        hint: String? = nil
    ) {
        self.file = file
        self.location = location
        self.severity = severity
        self.message = message
        self.hint = hint
    }

    public var line: Int { location.line }
    public var column: Int { location.column }

    /// `file:line:column: error: message`, then `  hint: …` when there is one.
    public var description: String {
        var text = "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// The diagnostic with the offending source line and a caret under the column,
    /// as a compiler shows it on a terminal.
    public func rendered(source: String?) -> String {
        var text = "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message)"
        if let source, let snippet = Self.snippet(of: source, at: location) {
            text += "\n" + snippet
        }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    static func snippet(of source: String, at location: SourceLocation) -> String? {
        var lineNumber = 1
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if lineNumber == location.line {
                let text = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
                let caretOffset = max(0, min(location.column - 1, text.unicodeScalars.count))
                // Keep tabs so the caret lines up under tab-indented text.
                let padding = text.unicodeScalars.prefix(caretOffset).map { $0 == "\t" ? "\t" : " " }.joined()
                return "   | \(text)\n   | \(padding)^"
            }
            lineNumber += 1
        }
        return nil
    }
}

extension Diagnostic: Comparable {
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        return lhs.message < rhs.message
    }
}
