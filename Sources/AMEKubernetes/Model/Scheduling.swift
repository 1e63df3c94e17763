/// Lets a Pod onto nodes with a matching taint (GPU nodes are usually tainted
/// `nvidia.com/gpu:NoSchedule`).
public struct Toleration: Codable, Hashable, Sendable {
    public var key: String?
    public var `operator`: String?
    public var value: String?
    public var effect: String?

    public init(key: String?, operator: String?, value: String? = nil, effect: String?) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
    }
}

/// `affinity`: AME uses a required node affinity (GPU memory).
public struct Affinity: Codable, Hashable, Sendable {
    public var nodeAffinity: NodeAffinity?

    public init(nodeAffinity: NodeAffinity?) {
        self.nodeAffinity = nodeAffinity
    }

    public struct NodeAffinity: Codable, Hashable, Sendable {
        public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?

        public init(required: NodeSelector?) {
            self.requiredDuringSchedulingIgnoredDuringExecution = required
        }
    }

    /// Terms are ORed; the expressions of one term are ANDed.
    public struct NodeSelector: Codable, Hashable, Sendable {
        public var nodeSelectorTerms: [NodeSelectorTerm]

        public init(nodeSelectorTerms: [NodeSelectorTerm]) {
            self.nodeSelectorTerms = nodeSelectorTerms
        }
    }

    public struct NodeSelectorTerm: Codable, Hashable, Sendable {
        public var matchExpressions: [NodeSelectorRequirement]?

        public init(matchExpressions: [NodeSelectorRequirement]) {
            self.matchExpressions = matchExpressions
        }
    }

    /// `{key, operator: In|NotIn|Exists|DoesNotExist|Gt|Lt, values}`.
    public struct NodeSelectorRequirement: Codable, Hashable, Sendable {
        public var key: String
        public var `operator`: String
        public var values: [String]?

        public init(key: String, operator: String, values: [String]?) {
            self.key = key
            self.operator = `operator`
            self.values = values
        }
    }
}
