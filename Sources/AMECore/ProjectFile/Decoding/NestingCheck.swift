/// Finds where the text nests lists and mappings deeper than a limit, before the YAML is
/// parsed: Yams builds its node tree recursively, so ten thousand `[` (or `- - - …`) in a
/// row would overflow the stack and crash instead of failing with a message.
///
/// This is a light scan, not a YAML parser: it follows quotes, comments, block scalars
/// and flow brackets closely enough to measure the depth of any text libyaml accepts.
struct NestingCheck {
    /// The place where the nesting first goes past `limit`, or nil when it never does.
    static func firstTooDeep(in source: String, limit: Int) -> SourceLocation? {
        var scanner = NestingCheck(limit: limit)
        return scanner.scan(source)
    }

    private enum Quote { case none, single, double }

    private let limit: Int
    private var flowDepth = 0
    private var quote = Quote.none
    /// Columns (0-based) of the block nodes enclosing the current line.
    private var blockStack: [Int] = []
    /// Inside a `|` or `>` block scalar: the indentation its content must exceed.
    private var blockScalarParent: Int?
    /// Whether a new node (and so a quote or a flow collection) may start here.
    private var atNodeStart = true

    private init(limit: Int) {
        self.limit = limit
    }

    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// Lines split the way libyaml counts them (`\r\n` is one break).
    private static func lines(of source: String) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var previousWasCR = false
        for scalar in source.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if isBreak(scalar) {
                lines.append(current)
                current = []
            } else {
                current.append(scalar)
            }
        }
        lines.append(current)
        return lines
    }

    private var depth: Int { blockStack.count + flowDepth }

    private mutating func scan(_ source: String) -> SourceLocation? {
        for (lineIndex, line) in Self.lines(of: source).enumerated() {
            if let problem = scanLine(line, number: lineIndex + 1) { return problem }
        }
        return nil
    }

    private mutating func scanLine(_ line: [Unicode.Scalar], number: Int) -> SourceLocation? {
        let indent = line.prefix { $0 == " " }.count
        let isBlank = line.allSatisfy { $0 == " " || $0 == "\t" }
        if let parent = blockScalarParent {
            if isBlank || indent > parent { return nil }
            blockScalarParent = nil
        }
        var index = 0
        if quote == .none && flowDepth == 0 {
            if isBlank || line[indent] == "#" { return nil }
            if indent == 0 && line.first == "%" { return nil } // a directive
            // Document markers start over at the top.
            if indent == 0, line.count >= 3, line[0] == line[1], line[1] == line[2], line[0] == "-" || line[0] == "." {
                if line.count == 3 || line[3] == " " || line[3] == "\t" {
                    blockStack = []
                    atNodeStart = true
                    return scanRest(line, from: 3, number: number, lineIndent: 0)
                }
            }
            while let last = blockStack.last, last >= indent { blockStack.removeLast() }
            blockStack.append(indent)
            if depth > limit { return SourceLocation(line: number, column: indent + 1) }
            index = indent
            // `- `, `? ` and `: ` at the start of a line each open a node, and may repeat
            // on one line (`- - - x`).
            while index < line.count, line[index] == "-" || line[index] == "?" || line[index] == ":",
                  index + 1 == line.count || line[index + 1] == " " || line[index + 1] == "\t" {
                index += 1
                while index < line.count, line[index] == " " || line[index] == "\t" { index += 1 }
                blockStack.append(index)
                if depth > limit { return SourceLocation(line: number, column: index + 1) }
            }
            atNodeStart = true
        }
        return scanRest(line, from: index, number: number, lineIndent: indent)
    }

    private mutating func scanRest(_ line: [Unicode.Scalar], from start: Int, number: Int, lineIndent: Int) -> SourceLocation? {
        var index = start
        while index < line.count {
            let character = line[index]
            let next: Unicode.Scalar? = index + 1 < line.count ? line[index + 1] : nil
            switch quote {
            case .double:
                if character == "\\" {
                    index += 1
                } else if character == "\"" {
                    quote = .none
                    atNodeStart = false
                }
                index += 1
                continue
            case .single:
                if character == "'" {
                    if next == "'" {
                        index += 1
                    } else {
                        quote = .none
                        atNodeStart = false
                    }
                }
                index += 1
                continue
            case .none:
                break
            }
            let previousIsBlank = index == 0 || line[index - 1] == " " || line[index - 1] == "\t"
            if character == "#" && previousIsBlank { return nil }
            if character == " " || character == "\t" {
                index += 1
                continue
            }
            let inFlow = flowDepth > 0
            let endsToken = next == nil || next == " " || next == "\t"
                || (inFlow && (next == "," || next == "]" || next == "}" || next == "[" || next == "{"))
            if inFlow && (character == "[" || character == "{") || (!inFlow && atNodeStart && (character == "[" || character == "{")) {
                flowDepth += 1
                atNodeStart = true
                if depth > limit { return SourceLocation(line: number, column: index + 1) }
            } else if inFlow && (character == "]" || character == "}") {
                flowDepth -= 1
                atNodeStart = false
            } else if inFlow && character == "," {
                atNodeStart = true
            } else if character == ":" && endsToken {
                atNodeStart = true
            } else if atNodeStart && character == "?" && endsToken {
                atNodeStart = true
            } else if atNodeStart && character == "\"" {
                quote = .double
            } else if atNodeStart && character == "'" {
                quote = .single
            } else if atNodeStart && (character == "&" || character == "!" || character == "*") {
                // An anchor or tag comes before its node; an alias is a whole node.
                while index + 1 < line.count, line[index + 1] != " ", line[index + 1] != "\t",
                      !(inFlow && (line[index + 1] == "," || line[index + 1] == "]" || line[index + 1] == "}")) {
                    index += 1
                }
                atNodeStart = character != "*"
            } else if atNodeStart && !inFlow && (character == "|" || character == ">") {
                // A block scalar: its lines are text, whatever they hold.
                blockScalarParent = lineIndent
                return nil
            } else {
                atNodeStart = false
            }
            index += 1
        }
        return nil
    }
}
