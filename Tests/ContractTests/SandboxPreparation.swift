import AMETestSupport

extension AMESandbox {
    /// Nothing left to do: a `.server` sandbox starts its server and runs `ame setup` when
    /// it is made (`AMESandbox.init`). Kept so the tests read the same for both transports.
    func prepare() async throws {}
}
