import Foundation

/// A constraint on the Python version, as projects write them: a bare version ("3.11" is
/// any 3.11.x, "3.11.7" exactly that), PEP 440 specifiers (">=3.9,<3.12", "~=3.10",
/// "!=3.11.*"), and Poetry's forms ("^3.10", "~3.10", ">=3.8 <3.12", "3.9 || 3.11").
///
/// Only the release number is compared: pre-releases and local versions do not occur
/// among the interpreters AME chooses from.
public struct PythonVersionRequirement: Hashable, Sendable, CustomStringConvertible {
    /// The text as written, for messages.
    public let text: String
    /// Any one of these (`||`), each a conjunction of clauses.
    private let alternatives: [[Clause]]

    private enum Clause: Hashable, Sendable {
        case any
        /// A bare or wildcard version: the parts written must match.
        case prefix(PythonVersion)
        case notPrefix(PythonVersion)
        case equal(PythonVersion)
        case notEqual(PythonVersion)
        case atLeast(PythonVersion)
        case greater(PythonVersion)
        case atMost(PythonVersion)
        case less(PythonVersion)

        func accepts(_ version: PythonVersion) -> Bool {
            switch self {
            case .any: true
            case .prefix(let bound): bound.isPrefix(of: version)
            case .notPrefix(let bound): !bound.isPrefix(of: version)
            case .equal(let bound): version == bound
            case .notEqual(let bound): version != bound
            case .atLeast(let bound): version >= bound
            case .greater(let bound): version > bound
            case .atMost(let bound): version <= bound
            case .less(let bound): version < bound
            }
        }
    }

    /// Nil when the text is not a version constraint AME understands.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var alternatives: [[Clause]] = []
        for alternative in trimmed.components(separatedBy: "||") {
            guard let clauses = Self.parseConjunction(alternative), !clauses.isEmpty else { return nil }
            alternatives.append(clauses)
        }
        self.text = trimmed
        self.alternatives = alternatives
    }

    public var description: String { text }

    public func isSatisfied(by version: PythonVersion) -> Bool {
        alternatives.contains { clauses in clauses.allSatisfy { $0.accepts(version) } }
    }

    /// Clauses separated by commas or spaces; an operator may be followed by spaces (">= 3.9").
    private static func parseConjunction(_ text: String) -> [Clause]? {
        let characters = Array(text)
        var index = 0
        var clauses: [Clause] = []
        func skipSeparators() {
            while index < characters.count, characters[index] == " " || characters[index] == "," || characters[index] == "\t" {
                index += 1
            }
        }
        skipSeparators()
        while index < characters.count {
            var op = ""
            while index < characters.count, "<>=!~^".contains(characters[index]) {
                op.append(characters[index])
                index += 1
            }
            while index < characters.count, characters[index] == " " { index += 1 }
            var operand = ""
            while index < characters.count, characters[index] != " ", characters[index] != ",", characters[index] != "\t" {
                operand.append(characters[index])
                index += 1
            }
            guard let clause = makeClauses(op: op, operand: operand) else { return nil }
            clauses.append(contentsOf: clause)
            skipSeparators()
        }
        return clauses
    }

    private static func makeClauses(op: String, operand: String) -> [Clause]? {
        if operand == "*" && (op.isEmpty || op == "==") { return [.any] }
        var text = operand
        var wildcard = false
        if text.hasSuffix(".*") {
            wildcard = true
            text.removeLast(2)
        }
        guard let version = PythonVersion(text) else { return nil }
        switch op {
        case "":
            // A bare "3.11" means the 3.11 series; a bare "3.11.7" that exact release.
            return [.prefix(version)]
        case "==", "===":
            return [wildcard ? .prefix(version) : .equal(version)]
        case "!=":
            return [wildcard ? .notPrefix(version) : .notEqual(version)]
        case ">=": return wildcard ? nil : [.atLeast(version)]
        case ">": return wildcard ? nil : [.greater(version)]
        case "<=": return wildcard ? nil : [.atMost(version)]
        case "<": return wildcard ? nil : [.less(version)]
        case "~=":
            // PEP 440 compatible release: ~=3.10 is >=3.10,==3.*; ~=3.10.2 is >=3.10.2,==3.10.*.
            guard !wildcard, version.components >= 2 else { return nil }
            var series = version
            series.components -= 1
            return [.atLeast(version), .prefix(series)]
        case "^":
            // Poetry caret: up to the next major release.
            guard !wildcard else { return nil }
            return [.atLeast(version), .less(PythonVersion(major: version.major + 1))]
        case "~":
            // Poetry tilde: ~3.10 and ~3.10.2 stay within 3.10; ~3 within 3.
            guard !wildcard else { return nil }
            let upper = version.components >= 2
                ? PythonVersion(major: version.major, minor: version.minor + 1)
                : PythonVersion(major: version.major + 1)
            return [.atLeast(version), .less(upper)]
        default:
            return nil
        }
    }
}
