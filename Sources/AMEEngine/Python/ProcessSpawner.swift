import AMESystem
import Foundation

/// Starts child processes from one thread that lives as long as AME.
///
/// `ChildProcess` asks Linux for a parent-death signal (`PR_SET_PDEATHSIG`), and Linux sends
/// it when the *thread* that forked exits, not the process. Threads of Swift's async pool
/// exit after a few idle seconds, and measured here, a `sleep 12` spawned from a pool thread
/// was SIGKILLed after about 5 s. A build that runs for minutes must not die that way, so
/// every process here is forked from this one thread, which never exits.
enum ProcessSpawner {
    static func spawn(_ configuration: ChildProcess.Configuration) async throws -> ChildProcess {
        try await withCheckedThrowingContinuation { continuation in
            SpawnerThread.shared.submit {
                continuation.resume(with: Result { try ChildProcess.spawn(configuration) })
            }
        }
    }
}

/// A thread that runs submitted jobs in order, forever.
private final class SpawnerThread: @unchecked Sendable {
    static let shared = SpawnerThread()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in run() }
        thread.name = "ame-process-spawner"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() -> Never {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
