/// Where a run's steps execute, recorded with each run: what recovery and cancellation go by.
public enum ExecutorKind: String, Sendable, Codable, CaseIterable {
    /// Processes on the engine's machine, carried by a run agent (`ame agent run`).
    case local
    /// Pods, carried by the server itself.
    case kubernetes
}
