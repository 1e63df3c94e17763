/// What the API reports about a Pod: its phase and each container's state.
public struct PodStatus: Codable, Hashable, Sendable {
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String?
    /// Why the Pod failed as a whole (`DeadlineExceeded`, `Evicted`).
    public var reason: String?
    public var message: String?
    public var conditions: [PodCondition]?
    public var initContainerStatuses: [ContainerStatus]?
    public var containerStatuses: [ContainerStatus]?
    public var startTime: String?
    public var hostIP: String?
    public var podIP: String?
    public var qosClass: String?

    public init(phase: String? = nil) {
        self.phase = phase
    }

    public struct PodCondition: Codable, Hashable, Sendable {
        /// `PodScheduled`, `Initialized`, `ContainersReady`, `Ready`.
        public var type: String
        /// `True`, `False` or `Unknown`.
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastTransitionTime: String?
        public var lastProbeTime: String?
    }
}

public struct ContainerStatus: Codable, Hashable, Sendable {
    public var name: String
    public var state: ContainerState?
    public var lastState: ContainerState?
    public var ready: Bool?
    public var restartCount: Int?
    public var image: String?
    public var imageID: String?
    public var containerID: String?
    public var started: Bool?
}

/// Exactly one of `waiting`, `running` and `terminated` is set.
public struct ContainerState: Codable, Hashable, Sendable {
    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?

    public struct Waiting: Codable, Hashable, Sendable {
        /// `ContainerCreating`, `PodInitializing`, `CreateContainerConfigError`, `ErrImagePull`, …
        public var reason: String?
        public var message: String?
    }

    public struct Running: Codable, Hashable, Sendable {
        public var startedAt: String?
    }

    public struct Terminated: Codable, Hashable, Sendable {
        public var exitCode: Int32
        public var signal: Int32?
        /// `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`, `DeadlineExceeded`.
        public var reason: String?
        /// The container's termination message (see `terminationMessagePath`).
        public var message: String?
        public var startedAt: String?
        public var finishedAt: String?
        public var containerID: String?
    }
}
