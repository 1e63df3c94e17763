import AMETestSupport

extension AMESandbox {
    /// A `.server` sandbox starts its server and runs `ame setup` when it is made; this
    /// starts the server again (same port, data and tokens, so `ame`'s setup still holds) so
    /// that it sees what the test has set in the sandbox's environment since — a stand-in
    /// `nvidia-smi` on PATH, say. Nothing to do for the embedded engine.
    func prepare() async throws {
        if transport == .server { try restartServer() }
    }
}
