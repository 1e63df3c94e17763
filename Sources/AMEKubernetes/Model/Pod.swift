/// A Kubernetes `Pod` (`v1`): one per step attempt.
public struct Pod: Codable, Hashable, Sendable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec) {
        self.metadata = metadata
        self.spec = spec
    }

    public var name: String { metadata.name ?? "" }
}

/// The part of `PodSpec` AME writes.
public struct PodSpec: Codable, Hashable, Sendable {
    public var restartPolicy: String?
    public var activeDeadlineSeconds: Int?
    public var terminationGracePeriodSeconds: Int?
    /// Steps never talk to the Kubernetes API, so they get no token for it.
    public var automountServiceAccountToken: Bool?
    /// Off: service links would add a variable per Service in the namespace to the step's env.
    public var enableServiceLinks: Bool?
    public var serviceAccountName: String?
    public var nodeName: String?
    public var priorityClassName: String?
    public var imagePullSecrets: [LocalObjectReference]?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    public var affinity: Affinity?
    public var initContainers: [Container]?
    public var containers: [Container]
    public var volumes: [Volume]?
    /// With `subdomain` (a headless Service's name): the Pod is found at `HOSTNAME.SUBDOMAIN`.
    public var hostname: String?
    public var subdomain: String?
    /// The scheduler leaves the Pod alone while it has any (Kueue removes its own on admission).
    public var schedulingGates: [SchedulingGate]?

    public init(containers: [Container]) {
        self.containers = containers
    }
}

/// `{name: …}`: one reason the scheduler must not place the Pod yet.
public struct SchedulingGate: Codable, Hashable, Sendable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}

/// `{name: …}`: a reference to an object in the same namespace.
public struct LocalObjectReference: Codable, Hashable, Sendable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
