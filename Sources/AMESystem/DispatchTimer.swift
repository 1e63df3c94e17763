import Dispatch

/// Runs an action once after a delay unless cancelled first: a deadline that costs no task.
/// Not `Task.sleep`, whose first use asks the runtime whether the current executor can
/// schedule, a protocol-conformance scan over the whole binary at every `ame` start (see
/// Package.swift); the plugin session's deadlines start on every dispatch.
/// (`@unchecked`: a `DispatchWorkItem` may be cancelled from any thread.)
public final class DispatchTimer: @unchecked Sendable {
    private let item: DispatchWorkItem

    public init(after delay: Duration, _ action: @escaping @Sendable () -> Void) {
        item = DispatchWorkItem(block: action)
        let (seconds, attoseconds) = delay.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(max(0, nanoseconds)), execute: item)
    }

    public func cancel() {
        item.cancel()
    }
}
