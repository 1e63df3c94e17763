/// One way `ame` answers its arguments without the command parser; `AMEMain.routes` lists
/// them in the order they are tried.
struct StartRoute: Sendable {
    enum Stage: Sendable {
        /// In `AMEMain.start` only, on the main thread before Swift's async runtime starts:
        /// an exit status, or nil to go on (having perhaps left what it learned in the launch).
        case beforeRuntime(@Sendable (inout Launch) -> Int32?)
        /// Text known without any set-up, printed on stdout; exit status 0.
        case immediate(@Sendable ([String]) -> String?)
        /// In the async runtime, with the context (and in-process, `AMEMain.run`).
        case inRuntime(@Sendable (Launch, CommandContext) async -> Int32?)
    }

    /// For traces and tests.
    let name: String
    let stage: Stage

    init(_ name: String, _ stage: Stage) {
        self.name = name
        self.stage = stage
    }
}
