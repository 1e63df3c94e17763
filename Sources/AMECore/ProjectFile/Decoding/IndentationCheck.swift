/// Finds a line whose indentation lines up with no block above it, the usual cause of
/// libyaml's "did not find expected key" and "mapping values are not allowed".
struct IndentationCheck {
    let lines: [Substring]

    private func indent(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }

    private func isContent(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " }
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }

    private func keyName(_ line: Substring) -> String {
        var text = line.drop { $0 == " " }
        if text.hasPrefix("- ") { text = text.dropFirst(2) }
        if let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return String(text.prefix(30))
    }

    /// A diagnostic for line `number` (1-based) when its indentation is off.
    func problem(atLine number: Int, file: String) -> Diagnostic? {
        guard let found = analyse(atLine: number) else { return nil }
        let key = keyName(lines[number - 1])
        let message = "bad indentation: '\(key)' is indented \(found.column) space\(found.column == 1 ? "" : "s"), which lines up with no key above it"
        var options: [String] = []
        for candidate in [found.below, found.above].compactMap({ $0 }) {
            let neighbour = keyName(lines[candidate.line - 1])
            options.append("\(candidate.indent) spaces, like '\(neighbour)' on line \(candidate.line)")
        }
        let hint = options.isEmpty ? "indent it like the keys it belongs with" : "indent it \(options.joined(separator: ", or "))"
        return Diagnostic(file: file, location: SourceLocation(line: number, column: found.column + 1), message: message, hint: hint)
    }

    /// The lines with line `number` indented as the nearest key it could belong with, so
    /// that reading can go on past the mistake; nil when that line's indentation is not the
    /// problem. Of two as near, the one of the line just above (its sibling), else the
    /// shallower one.
    func repaired(atLine number: Int) -> [Substring]? {
        guard let found = analyse(atLine: number) else { return nil }
        func rank(_ candidate: Candidate) -> (Int, Int, Int) {
            (abs(candidate.indent - found.column), candidate.indent == found.previous ? 0 : 1, candidate.indent)
        }
        let nearest = [found.below, found.above].compactMap { $0 }.min { rank($0) < rank($1) }
        guard let nearest else { return nil }
        var result = lines
        result[number - 1] = Substring(String(repeating: " ", count: nearest.indent)) + lines[number - 1].drop { $0 == " " }
        return result
    }

    private typealias Candidate = (indent: Int, line: Int)

    /// The line's indentation, the nearest legal ones below and above it, and that of the
    /// line before it; nil when the line is indented like some key above it.
    private func analyse(atLine number: Int) -> (column: Int, below: Candidate?, above: Candidate?, previous: Int)? {
        guard number >= 1, number <= lines.count else { return nil }
        let line = lines[number - 1]
        guard isContent(line), !line.hasPrefix("\t") else { return nil }
        let column = indent(line)
        // Walk upwards collecting the indentations this line could legally have: that of
        // each enclosing block's keys (each line less indented than all below it).
        var smallest = Int.max
        var candidates: [Candidate] = []
        var previousContent: Substring?
        var index = number - 2
        while index >= 0 {
            let above = lines[index]
            index -= 1
            guard isContent(above) else { continue }
            if previousContent == nil { previousContent = above }
            let aboveIndent = indent(above)
            if aboveIndent < smallest {
                smallest = aboveIndent
                candidates.append((aboveIndent, index + 2))
                let body = above.drop { $0 == " " }
                if body.hasPrefix("- ") {
                    candidates.append((aboveIndent + 2, index + 2))
                }
            }
            if aboveIndent == 0 { break }
        }
        guard let previous = previousContent else { return nil }
        // The first line of a new block may be indented deeper than the key that opened it.
        let opensBlock = previous.trimmingCharacters(in: .whitespaces).hasSuffix(":")
        if opensBlock && column > indent(previous) { return nil }
        if candidates.contains(where: { $0.indent == column }) { return nil }
        let below = candidates.filter { $0.indent < column }.max { $0.indent < $1.indent }
        let above = candidates.filter { $0.indent > column }.min { $0.indent < $1.indent }
        return (column, below, above, indent(previous))
    }
}
