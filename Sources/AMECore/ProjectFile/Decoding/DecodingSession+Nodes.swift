import Yams

/// Typed reads of single nodes, each reporting a precise error when the node is of the
/// wrong kind.
extension DecodingSession {
    typealias Pair = (key: String, keyNode: Node, value: Node)

    /// How a node reads in an error message: "a list", "the text 'abc'", …
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if node.null != nil && scalar.style == .plain { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(37)) + "..." : scalar.string
            if scalar.style == .plain {
                if node.bool != nil { return "the value \(text)" }
                if node.int != nil || node.float != nil { return "the number \(text)" }
            }
            return "the text '\(text)'"
        }
    }

    /// The key/value pairs of a mapping node, with duplicate keys reported (the first
    /// one is kept) and non-text keys rejected.
    func mapping(_ node: Node, what: String, hint: String? = nil, keyNode: Node? = nil) -> [Pair]? {
        guard visit() else { return nil }
        guard case .mapping(let mapping) = node else {
            if node.null != nil, let keyNode {
                error("\(what) is empty", at: keyNode, hint: hint)
            } else {
                error("\(what) must be a mapping, not \(describe(node))", at: node.null != nil ? keyNode ?? node : node, hint: hint)
            }
            return nil
        }
        var seen: [String: Node] = [:]
        var pairs: [Pair] = []
        for (key, value) in mapping {
            guard visit() else { return pairs }
            guard case .scalar(let scalar) = key else {
                error("a key in \(what) must be a name, not \(describe(key))", at: key)
                continue
            }
            let name = scalar.string
            if let first = seen[name] {
                let firstLine = location(of: first).line
                error("duplicate key '\(name)' in \(what) (first defined on line \(firstLine))", at: key,
                      hint: "remove one of the two '\(name)' entries")
                continue
            }
            seen[name] = key
            pairs.append((name, key, value))
        }
        return pairs
    }

    /// A scalar as text; numbers and booleans keep their written form.
    func scalarString(_ node: Node, what: String, keyNode: Node? = nil) -> String? {
        guard visit() else { return nil }
        guard case .scalar(let scalar) = node else {
            error("\(what) must be text, not \(describe(node))", at: node)
            return nil
        }
        if node.null != nil && scalar.style == .plain {
            error("\(what) is empty", at: keyNode ?? node)
            return nil
        }
        return scalar.string
    }

    /// A scalar that may also be empty (a plain null reads as "").
    func optionalScalarString(_ node: Node, what: String, hint: String? = nil) -> String? {
        guard case .scalar(let scalar) = node else {
            error("\(what) must be text, not \(describe(node))", at: node, hint: hint)
            return nil
        }
        if node.null != nil && scalar.style == .plain { return "" }
        return scalar.string
    }

    func bool(_ node: Node, what: String) -> Bool? {
        guard visit() else { return nil }
        if case .scalar(let scalar) = node, scalar.style == .plain, let value = node.bool {
            return value
        }
        error("\(what) must be true or false, not \(describe(node))", at: node)
        return nil
    }

    /// A whole number in `range`.
    func integer(_ node: Node, what: String, range: ClosedRange<Int>, hint: String? = nil) -> Int? {
        guard visit() else { return nil }
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.trimmingCharacters(in: .whitespaces)) else {
            error("\(what) must be a whole number, not \(describe(node))", at: node, hint: hint)
            return nil
        }
        guard range.contains(value) else {
            let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            error("\(what) must be \(bounds), not \(value)", at: node, hint: hint)
            return nil
        }
        return value
    }

    /// A list of text values; a single text value counts as a list of one.
    func stringList(_ node: Node, what: String, keyNode: Node) -> [String]? {
        switch node {
        case .scalar:
            if node.null != nil { return [] }
            return scalarString(node, what: what, keyNode: keyNode).map { [$0] }
        case .sequence(let sequence):
            var result: [String] = []
            for item in sequence {
                if let text = scalarString(item, what: "an entry of \(what)") { result.append(text) }
            }
            return result
        case .mapping:
            error("\(what) must be a list, not a mapping", at: node)
            return nil
        }
    }

    /// Reports an unknown key with a "did you mean" hint; returns the key it suggests, so
    /// a caller can skip a "missing key" error that the same typo would cause.
    @discardableResult
    func unknownKey(_ key: String, keyNode: Node, in context: String, allowed: [String]) -> String? {
        let hint: String
        let suggestion = Self.closestName(to: key, in: allowed)
        if let suggestion {
            hint = "did you mean '\(suggestion)'?"
        } else {
            hint = "allowed keys: \(allowed.joined(separator: ", "))"
        }
        error("unknown key '\(key)' \(context)", at: keyNode, hint: hint)
        return suggestion
    }

    /// `Suggestion.closest`, but among candidates equally close it prefers the one that
    /// shares the longest start with `word`, so `gpu` suggests `gpus` rather than `cpu`.
    static func closestName(to word: String, in candidates: [String]) -> String? {
        guard let best = Suggestion.closest(to: word, in: candidates) else { return nil }
        let lowered = word.lowercased()
        let distance = Suggestion.editDistance(lowered, best.lowercased())
        func sharedStart(_ candidate: String) -> Int {
            zip(lowered, candidate.lowercased()).prefix { $0 == $1 }.count
        }
        let tied = candidates.filter { Suggestion.editDistance(lowered, $0.lowercased()) == distance }
        return tied.max { sharedStart($0) < sharedStart($1) } ?? best
    }
}
