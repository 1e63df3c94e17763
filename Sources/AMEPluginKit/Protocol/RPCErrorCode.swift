/// The error codes of the AME plugin protocol and the exit status each maps to when a
/// plugin ends `run` with it. Unlisted codes end with status 1.
public enum RPCErrorCode: Int, Sendable, CaseIterable {
    // JSON-RPC 2.0.
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
    // AME.
    /// The command failed; the message says why.
    case failed = -32000
    /// The arguments were wrong (a usage error).
    case usage = -32001
    /// The work stopped because `$/cancel` asked it to.
    case cancelled = -32002
    /// A host method this engine does not offer (e.g. tunnels).
    case unavailable = -32003
    /// A run, or the project, does not exist.
    case notFound = -32004
    /// The engine refused or failed a host call (the message is the engine's).
    case hostFailure = -32005
    /// The host method needs an `ame.yaml` and there is none, or it is invalid.
    case invalidProject = -32006

    public var exitStatus: Int32 {
        switch self {
        case .usage, .invalidParams: 64          // EX_USAGE, as for AME's own usage errors
        case .cancelled: 130                     // 128 + SIGINT, as a shell reports Ctrl-C
        case .unavailable: 69                    // EX_UNAVAILABLE
        case .parseError, .invalidRequest, .methodNotFound, .internalError: 70 // EX_SOFTWARE
        case .failed, .notFound, .hostFailure, .invalidProject: 1
        }
    }
}
