import AMESystem

/// Counts Ctrl-C presses while a command waits on a run, instead of letting SIGINT kill
/// the CLI (the run lives on in its agent and must be cancelled or detached from).
final class InterruptHandler: Sendable {
    private struct State {
        var count = 0
        var handler: (@Sendable (Int) -> Void)?
    }

    private let state: Locked<State>
    private let subscription: InterruptSignals.Subscription

    init() {
        let state = Locked(State())
        self.state = state
        subscription = InterruptSignals.shared.subscribe {
            let (presses, body) = state.withLock { state -> (Int, (@Sendable (Int) -> Void)?) in
                state.count += 1
                return (state.count, state.handler)
            }
            body?(presses)
        }
    }

    /// `body` receives the number of presses so far (1 for the first).
    func onInterrupt(_ body: @escaping @Sendable (Int) -> Void) {
        state.withLock { $0.handler = body }
    }

    func stop() {
        subscription.cancel()
    }
}
