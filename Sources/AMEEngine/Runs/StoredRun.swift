import AMECore
import Foundation

/// A run as the engine keeps it: what the API shows, plus what it needs to execute it.
public struct StoredRun: Sendable {
    public var record: RunRecord
    public var request: RunRequest
    /// The task as it was parsed from the uploaded ame.yaml, with request overrides applied.
    public var task: TaskSpec
    public var executor: ExecutorKind
    public var labels: [String: String]
    public var agentPID: Int32?
    public var agentStartTime: UInt64?
    public var cancelRequested: Bool

    public var id: String { record.id }
}
