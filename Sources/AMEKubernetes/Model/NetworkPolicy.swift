/// A Kubernetes `NetworkPolicy` (`networking.k8s.io/v1`). AME makes one kind: for each
/// attempt of a multi-node step, one that lets its nodes' Pods reach each other (the
/// deployment's `ame-steps` policy lets step Pods reach no other Pod; policies add up).
public struct NetworkPolicy: Codable, Hashable, Sendable {
    public var apiVersion: String? = "networking.k8s.io/v1"
    public var kind: String? = "NetworkPolicy"
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec

    public init(metadata: ObjectMeta, spec: NetworkPolicySpec) {
        self.metadata = metadata
        self.spec = spec
    }

    public var name: String { metadata.name ?? "" }
}

/// The part of `NetworkPolicySpec` AME writes.
public struct NetworkPolicySpec: Codable, Hashable, Sendable {
    public var podSelector: LabelSelector
    public var policyTypes: [String]?
    public var ingress: [IngressRule]?
    public var egress: [EgressRule]?

    public init(podSelector: LabelSelector, policyTypes: [String]? = nil, ingress: [IngressRule]? = nil, egress: [EgressRule]? = nil) {
        self.podSelector = podSelector
        self.policyTypes = policyTypes
        self.ingress = ingress
        self.egress = egress
    }

    public struct LabelSelector: Codable, Hashable, Sendable {
        public var matchLabels: [String: String]?

        public init(matchLabels: [String: String]?) {
            self.matchLabels = matchLabels
        }
    }

    public struct Peer: Codable, Hashable, Sendable {
        public var podSelector: LabelSelector?

        public init(podSelector: LabelSelector?) {
            self.podSelector = podSelector
        }
    }

    public struct IngressRule: Codable, Hashable, Sendable {
        public var from: [Peer]?

        public init(from: [Peer]?) {
            self.from = from
        }
    }

    public struct EgressRule: Codable, Hashable, Sendable {
        public var to: [Peer]?

        public init(to: [Peer]?) {
            self.to = to
        }
    }
}
