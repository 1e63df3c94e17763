import AMETestSupport

extension AMESandbox {
    /// Brings the sandbox's transport up: for `.kubernetes` the API harness, then
    /// `ame-server --executor kubernetes` pointed at it, then `ame setup`. (`AMESandbox(.server)`
    /// has started its server already; the embedded engine needs nothing.)
    func prepare() async throws {
        switch transport {
        case .embedded: return
        case .server: return  // AMESandbox(.server) started it and ran `ame setup` already.
        case .kubernetes: companions.append(try await KubernetesCluster(sandbox: self))
        }
    }
}
