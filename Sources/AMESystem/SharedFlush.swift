import Foundation

/// One flush at a time per file system, shared by everyone who asked while it was waited for:
/// a caller needs a flush that started after its call (that one covers its writes), so callers
/// arriving during a flush wait for it to end, and one of them starts the next for all of them.
/// Concurrent `syncfs` calls on one file system queue on its sync lock anyway: uploads in
/// flight together now share one flush per round instead of each waiting for all of them.
final class SharedFlush: @unchecked Sendable {
    private let condition = NSCondition()
    private var started = 0
    private var finished = 0
    private var running = false
    private var lastError: Int32 = 0

    /// Runs `flush` (it returns an errno, 0 for success), or waits for a run of it by another
    /// caller that started after this call; returns that run's result.
    func run(_ flush: () -> Int32) -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        let needed = started + 1
        while finished < needed {
            if running {
                condition.wait()
                continue
            }
            running = true
            started += 1
            let mine = started
            condition.unlock()
            let error = flush()
            condition.lock()
            finished = mine
            lastError = error
            running = false
            condition.broadcast()
        }
        return lastError
    }
}
