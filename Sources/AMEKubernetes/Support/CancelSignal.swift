import AMESystem
/// A one-shot signal from a task-cancellation handler to work that must outlive the
/// cancellation (deleting a Pod and collecting what it wrote takes a few calls).
final class CancelSignal: Sendable {
    private let state = Locked<(fired: Bool, handlers: [@Sendable () -> Void])>((false, []))

    func fire() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler() }
    }

    var hasFired: Bool { state.value.fired }

    /// Runs `handler` when the signal fires (at once if it has).
    func onFire(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.fired { return true }
            state.handlers.append(handler)
            return false
        }
        if runNow { handler() }
    }
}
