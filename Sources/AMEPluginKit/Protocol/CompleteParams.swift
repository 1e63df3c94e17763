/// `complete`: the words after `ame NAME`, the last one being completed (empty when the
/// user pressed Tab after a space). Sent instead of `run`, for an argument whose describe
/// document says `{"kind": "dynamic"}`.
public struct CompleteParams: Hashable, Sendable {
    public var argv: [String]

    public init(argv: [String]) {
        self.argv = argv
    }
}

/// One answer to Tab: the text to insert, and a few words about it where the shell shows them.
public struct CompletionCandidate: Hashable, Sendable {
    public var value: String
    public var description: String?

    public init(_ value: String, description: String? = nil) {
        self.value = value
        self.description = description
    }
}

/// The plugin's answer to `complete`.
public struct CompleteResult: Hashable, Sendable {
    public var candidates: [CompletionCandidate]

    public init(candidates: [CompletionCandidate]) {
        self.candidates = candidates
    }
}

extension CompleteParams {
    public var json: JSONValue { ["argv": .array(argv.map(JSONValue.string))] }

    public init(json: JSONValue) throws(JSONFields.Problem) {
        self.init(argv: try JSONFields(json).optionalStrings("argv") ?? [])
    }
}

extension CompleteResult {
    /// `{"candidates": [...]}`, each a string or `{"value", "description"}`.
    public var json: JSONValue {
        ["candidates": .array(candidates.map { candidate in
            guard let description = candidate.description else { return .string(candidate.value) }
            return ["value": .string(candidate.value), "description": .string(description)]
        })]
    }

    public init(json: JSONValue) throws(JSONFields.Problem) {
        let fields = try JSONFields(json)
        guard case .array(let items)? = fields.object["candidates"] else { throw fields.missing("candidates") }
        var candidates: [CompletionCandidate] = []
        for (index, item) in items.enumerated() {
            switch item {
            case .string(let value):
                candidates.append(CompletionCandidate(value))
            case .object:
                let entry = try JSONFields(item, path: "candidates[\(index)]")
                candidates.append(CompletionCandidate(try entry.string("value"), description: try entry.optionalString("description")))
            default:
                throw JSONFields.Problem(description: "'candidates[\(index)]' is neither a string nor {\"value\", \"description\"}")
            }
        }
        self.init(candidates: candidates)
    }
}
