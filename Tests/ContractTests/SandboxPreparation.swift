import AMETestSupport

extension AMESandbox {
    /// Brings the sandbox's transport up (for `.server`: starts the server and runs
    /// `ame setup`); nothing to do for the embedded engine.
    func prepare() async throws {
        switch transport {
        case .embedded: return
        case .server: try await startServer()
        }
    }
}
