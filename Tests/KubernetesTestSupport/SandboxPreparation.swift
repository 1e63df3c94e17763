import AMETestSupport

extension AMESandbox {
    /// Brings the sandbox's transport up: for `.kubernetes` the API harness, then `ame-server
    /// --executor kubernetes` pointed at it, then `ame setup`. A `.server` sandbox started its
    /// server and ran `ame setup` when it was made (a test that changes the server's
    /// environment afterwards restarts it itself, as the GPU contract does); the embedded
    /// engine needs nothing.
    public func prepare() async throws {
        switch transport {
        case .embedded, .server: return
        case .kubernetes: companions.append(try await KubernetesCluster(sandbox: self))
        }
    }
}
