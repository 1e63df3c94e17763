import AMETestSupport

extension AMESandbox {
    /// Brings the sandbox's transport up: for `.server` the server with the sandbox's
    /// environment as it is now; for `.kubernetes` the API harness, then `ame-server
    /// --executor kubernetes` pointed at it, then `ame setup`. The embedded engine needs nothing.
    func prepare() async throws {
        switch transport {
        case .embedded: return
        case .server:
            // Started by `AMESandbox(.server)`; started again (same port, data and token, so
            // `ame setup` still holds) so that it sees what the test changed since, such as
            // PATH with a stand-in nvidia-smi.
            let sandbox = self
            _ = try await KubernetesCluster.onThread { try sandbox.restartServer() }
        case .kubernetes: companions.append(try await KubernetesCluster(sandbox: self))
        }
    }
}
