import AMECore

/// What `ame agent exec` reports about a step, as the main container's termination
/// message (Kubernetes keeps up to 4 KiB of it in the container's terminated state).
public struct AgentResult: Codable, Hashable, Sendable {
    /// Where it stopped: `command` (the command ran), `environment` (the Python environment
    /// could not be built), `workspace` (the files from the init container are missing).
    public var stage: Stage
    /// The command's exit code (128 + signal when a signal ended it).
    public var exitCode: Int32
    /// The signal that ended the command, by name (`KILL`).
    public var signal: String?
    /// The container's memory cgroup counted an OOM kill while the command ran.
    public var outOfMemory: Bool?
    /// The digest of the manifest of files the step created or changed (uploaded).
    public var outputs: Digest?
    public var files: Int
    /// A sentence about what went wrong in the agent itself.
    public var error: String?

    public enum Stage: String, Codable, Hashable, Sendable {
        case workspace
        case environment
        case command
    }

    public init(stage: Stage, exitCode: Int32, signal: String? = nil, outOfMemory: Bool? = nil, outputs: Digest? = nil,
                files: Int = 0, error: String? = nil) {
        self.stage = stage
        self.exitCode = exitCode
        self.signal = signal
        self.outOfMemory = outOfMemory
        self.outputs = outputs
        self.files = files
        self.error = error.map { String($0.prefix(1500)) }
    }

    /// The most Kubernetes keeps of a termination message.
    public static let maximumSize = 4096
}
