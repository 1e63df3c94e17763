@testable import AMESystem
import Foundation
import Testing

/// Flushes shared by concurrent callers: each caller must return only after a flush that
/// began after its call (one already running does not cover what it wrote), and callers at
/// the same time share flushes instead of each running its own.
@Suite struct SharedFlushTests {
    final class Flushes: @unchecked Sendable {
        private let lock = NSLock()
        private var begun = 0
        private var lastCompleted = 0
        private(set) var uncovered = 0

        var begunSoFar: Int { lock.withLock { begun } }

        func flush() -> Int32 {
            let id = lock.withLock { begun += 1; return begun }
            usleep(2_000)
            lock.withLock { lastCompleted = max(lastCompleted, id) }
            return 0
        }

        /// After a call that began when `begunBefore` flushes had begun.
        func check(begunBefore: Int) {
            lock.withLock { if lastCompleted <= begunBefore { uncovered += 1 } }
        }
    }

    @Test func everyCallReturnsAfterAFlushThatBeganAfterItAndCallsShareFlushes() {
        let shared = SharedFlush()
        let flushes = Flushes()
        let threads = 8, callsPerThread = 25
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<callsPerThread {
                let begunBefore = flushes.begunSoFar
                #expect(shared.run { flushes.flush() } == 0)
                flushes.check(begunBefore: begunBefore)
            }
        }
        #expect(flushes.uncovered == 0)
        #expect(flushes.begunSoFar < threads * callsPerThread, "\(flushes.begunSoFar) flushes for \(threads * callsPerThread) calls")
    }

    @Test func aFailedFlushIsTheAnswerOfEveryCallItCovers() {
        let shared = SharedFlush()
        #expect(shared.run { EIO } == EIO)
        #expect(shared.run { 0 } == 0)
    }

    @Test func blockingWorkReturnsItsValueAndRethrows() async throws {
        struct Failure: Error {}
        #expect(try await BlockingWork.run { 6 * 7 } == 42)
        await #expect(throws: Failure.self) { try await BlockingWork.run { throw Failure() } }
    }
}
