import AMECore

/// What follows an attempt of a step: a pure decision, from how the attempt ended and the
/// step's `retry:` rule, with the sentence the log gets.
///
/// - Succeeded, or cancelled: the step ends so.
/// - Out of memory with `retry.oom`: again with memory × factor, up to `retry.oom.max_memory`
///   (else the engine's memory, shared by the step's nodes); failed when that is no more.
/// - Otherwise failed: again while fewer than `retry.attempts` attempts have failed (an
///   out-of-memory kill is never retried as it was); else failed, with a hint after an
///   out-of-memory kill that has no `retry.oom`.
enum RetryDecision: Equatable {
    case succeeded
    case cancelled(reason: String)
    /// Another attempt, with these resources; `note` says why, in the log. `afterFailure`:
    /// it counts against `retry.attempts` (an attempt given more memory does not).
    case retry(resources: Resources, note: String, afterFailure: Bool)
    /// The step failed. `note`, when given, is the log's "✗" line for it (written by the
    /// caller), so that the run does not say the reason again.
    case failed(reason: String, exitCode: Int32, note: String?)

    /// - Parameters:
    ///   - failures: attempts of this step that failed before this one.
    ///   - memoryCeiling: the most memory an attempt may get without `max_memory`.
    static func after(_ result: AttemptResult, resources: Resources, retry: RetryPolicy?, failures: Int, memoryCeiling: Int64,
                      label: String, number: Int, cancelled: Bool) -> RetryDecision {
        if result.succeeded { return .succeeded }
        if result.outcome == .cancelled || cancelled { return .cancelled(reason: result.reason ?? "cancelled") }
        if result.outcome == .outOfMemory, let oom = retry?.oom, let current = resources.memory {
            let ceiling = oom.maxMemory?.wholeUnits ?? memoryCeiling
            let grown = current.scaledBytes(by: oom.factor)
            let next = grown.wholeUnits > ceiling ? Quantity.bytes(ceiling) : grown
            if next.wholeUnits > current.wholeUnits {
                var grownResources = resources
                grownResources.memory = next
                return .retry(resources: grownResources,
                              note: "⚠ \(label) ran out of memory at its \(current) limit (\(result.reason ?? "killed")); retrying with \(next) memory (attempt \(number + 1))",
                              afterFailure: false)
            }
            let reason = "\(result.reason ?? "out of memory"); not retried: \(current) is already the most memory allowed (retry.oom.max_memory)"
            return .failed(reason: reason, exitCode: result.exitCode, note: "✗ \(label) \(reason)")
        }
        let maxAttempts = max(1, retry?.attempts ?? 1)
        if result.outcome != .outOfMemory && failures + 1 < maxAttempts {
            return .retry(resources: resources,
                          note: "⚠ \(label) failed (\(result.reason ?? "exit code \(result.exitCode)")); retrying (attempt \(number + 1) of \(maxAttempts))",
                          afterFailure: true)
        }
        var reason = result.reason ?? "exit code \(result.exitCode)"
        if result.outcome == .outOfMemory && retry?.oom == nil {
            reason += "; add 'retry: {oom: {factor: 2}}' to retry with more memory, or raise 'memory'"
        }
        return .failed(reason: reason, exitCode: result.exitCode, note: nil)
    }
}
