/// Makes the token a run's Pods use to reach the server: it allows fetching that run's
/// files and uploading its outputs, and stops working when the run ends.
///
/// The server implements it with its token store; tests use `FixedAgentToken`.
public protocol AgentTokenIssuer: Sendable {
    func token(forRun runID: String, owner: String) async throws -> String
    /// The run has ended: the token must no longer work.
    func revoke(runID: String) async
}

/// The same token for every run (tests, and agents reaching blobs without a server).
public struct FixedAgentToken: AgentTokenIssuer {
    public var value: String

    public init(_ value: String) {
        self.value = value
    }

    public func token(forRun runID: String, owner: String) async throws -> String { value }
    public func revoke(runID: String) async {}
}
