import AMETestSupport

extension AMESandbox {
    /// Brings the sandbox's transport up. Nothing is left to do: for `.server` the sandbox's
    /// initializer already started the server and ran `ame setup`. Kept so each contract test
    /// says where its transport is ready.
    func prepare() async throws {}
}
