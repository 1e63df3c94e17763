/// A Kubernetes `Service` (`v1`). AME makes one kind: a headless Service per attempt of a
/// step that runs on several nodes, so that each node's Pod has a name the others resolve
/// (`HOSTNAME.SERVICE`) before any of them is ready.
public struct Service: Codable, Hashable, Sendable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Service"
    public var metadata: ObjectMeta
    public var spec: ServiceSpec

    public init(metadata: ObjectMeta, spec: ServiceSpec) {
        self.metadata = metadata
        self.spec = spec
    }

    public var name: String { metadata.name ?? "" }
}

/// The part of `ServiceSpec` AME writes.
public struct ServiceSpec: Codable, Hashable, Sendable {
    /// `None`: headless, DNS names the Pods themselves.
    public var clusterIP: String?
    public var selector: [String: String]?
    /// Names are published as soon as a Pod has an address, not once it is ready.
    public var publishNotReadyAddresses: Bool?
    public var ports: [ServicePort]?

    public init(clusterIP: String? = nil, selector: [String: String]? = nil, publishNotReadyAddresses: Bool? = nil, ports: [ServicePort]? = nil) {
        self.clusterIP = clusterIP
        self.selector = selector
        self.publishNotReadyAddresses = publishNotReadyAddresses
        self.ports = ports
    }
}

public struct ServicePort: Codable, Hashable, Sendable {
    public var name: String?
    public var port: Int
    public var targetPort: Int?
    public var `protocol`: String?

    public init(name: String? = nil, port: Int, targetPort: Int? = nil, protocol: String? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
    }
}
