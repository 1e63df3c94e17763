import AMECore
@testable import AMEEngine
import Testing

/// What follows an attempt: the step's `retry:` rule applied, as a value.
@Suite struct RetryDecisionTests {
    let oomKill = AttemptResult(outcome: .outOfMemory, exitCode: 137, reason: "killed: out of memory")
    let exit3 = AttemptResult(outcome: .exited, exitCode: 3, reason: "exit code 3")
    let gib: Int64 = 1 << 30

    func decide(_ result: AttemptResult, memory: String? = "1Gi", retry: RetryPolicy?, failures: Int = 0, ceiling: Int64 = 8 << 30,
                cancelled: Bool = false) -> RetryDecision {
        var resources = Resources()
        resources.memory = memory.map { try! QuantityField.parse($0, isBytes: true) }
        return RetryDecision.after(result, resources: resources, retry: retry, failures: failures, memoryCeiling: ceiling,
                                   label: "task 't'", number: failures + 1, cancelled: cancelled)
    }

    @Test func successAndCancelEndTheStep() {
        #expect(decide(AttemptResult(outcome: .exited, exitCode: 0), retry: nil) == .succeeded)
        #expect(decide(AttemptResult(outcome: .cancelled, exitCode: 130, reason: "cancelled"), retry: RetryPolicy(attempts: 3)) == .cancelled(reason: "cancelled"))
        #expect(decide(exit3, retry: RetryPolicy(attempts: 3), cancelled: true) == .cancelled(reason: "exit code 3"))
    }

    @Test func outOfMemoryGrowsTheMemoryUpToTheCeilingThenFails() {
        let rule = RetryPolicy(attempts: 1, oom: OOMRetry(factor: 2))
        guard case .retry(let next, let note, let afterFailure) = decide(oomKill, retry: rule) else {
            Issue.record("an out-of-memory kill with retry.oom should be retried")
            return
        }
        #expect(next.memory?.wholeUnits == 2 * gib)
        #expect(!afterFailure)
        #expect(note.contains("retrying with 2Gi memory (attempt 2)"))
        // Capped at the ceiling, then no more.
        guard case .retry(let capped, _, _) = decide(oomKill, memory: "3Gi", retry: rule, ceiling: 4 * gib) else {
            Issue.record("memory below the ceiling should grow to it")
            return
        }
        #expect(capped.memory?.wholeUnits == 4 * gib)
        guard case .failed(let reason, 137, let note?) = decide(oomKill, memory: "4Gi", retry: rule, ceiling: 4 * gib) else {
            Issue.record("memory at the ceiling should fail the step")
            return
        }
        #expect(reason.contains("already the most memory allowed"))
        #expect(note.hasPrefix("✗ task 't'"))
        // retry.oom.max_memory wins over the ceiling.
        guard case .retry(let bounded, _, _) = decide(oomKill, retry: RetryPolicy(attempts: 1, oom: OOMRetry(factor: 4, maxMemory: try! QuantityField.parse("3Gi", isBytes: true)))) else {
            Issue.record("max_memory above the limit should allow a retry")
            return
        }
        #expect(bounded.memory?.wholeUnits == 3 * gib)
    }

    @Test func otherFailuresAreRetriedAsManyTimesAsAsked() {
        let rule = RetryPolicy(attempts: 3)
        guard case .retry(_, let note, true) = decide(exit3, retry: rule, failures: 0) else {
            Issue.record("the first failure of three attempts should be retried")
            return
        }
        #expect(note.contains("retrying (attempt 2 of 3)"))
        guard case .retry = decide(exit3, retry: rule, failures: 1) else {
            Issue.record("the second failure of three attempts should be retried")
            return
        }
        #expect(decide(exit3, retry: rule, failures: 2) == .failed(reason: "exit code 3", exitCode: 3, note: nil))
        #expect(decide(exit3, retry: nil) == .failed(reason: "exit code 3", exitCode: 3, note: nil))
    }

    @Test func anOutOfMemoryKillWithoutTheRuleIsNotRetriedAndSaysHowTo() {
        guard case .failed(let reason, 137, nil) = decide(oomKill, retry: RetryPolicy(attempts: 5)) else {
            Issue.record("an out-of-memory kill is not retried as it was")
            return
        }
        #expect(reason.contains("add 'retry: {oom: {factor: 2}}'"))
    }
}

/// A record that does not go through is remembered, the first one, as a sentence.
@Suite struct RunRecorderTests {
    struct Refused: Error, CustomStringConvertible { var description: String { "database is locked" } }

    @Test func theFirstFailedRecordIsWhatTheRunEndsWith() {
        let recorder = RunRecorder()
        recorder.record("the start of task 't'") {}
        #expect(recorder.failure == nil)
        recorder.record("the end of attempt 1 of task 't'") { throw Refused() }
        recorder.record("the end of step 't'") { throw Refused() }
        #expect(recorder.failure == "could not record the end of attempt 1 of task 't': database is locked")
    }
}
