/// Where a run, a step or an attempt is in its life.
public enum RunStatus: String, Hashable, Sendable, Codable, CaseIterable {
    case queued
    case preparing
    case running
    case succeeded
    case failed
    case cancelled
    /// The process or Pod running it disappeared without reporting (a crash, a reboot).
    case lost
    /// A step that never started because an earlier one failed.
    case skipped

    public var isTerminal: Bool {
        switch self {
        case .queued, .preparing, .running: false
        case .succeeded, .failed, .cancelled, .lost, .skipped: true
        }
    }

    public var isActive: Bool { !isTerminal }
}
