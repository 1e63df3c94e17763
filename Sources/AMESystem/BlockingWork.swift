import Foundation

/// Blocking work run on a thread of its own and awaited: a flush to disk, a plugin session,
/// a socket's connect or read (`TCPByteStream.onThread`).
/// Swift runs tasks on as many threads as there are cores; a task that waits in a system call
/// on one of them (a server's uploads waiting in `syncfs`, say) leaves the other tasks, the
/// uploads still arriving, fewer threads to run on.
public enum BlockingWork {
    /// `stackSize`: the thread's stack; small for work that only waits (a socket read).
    public static func run<Value: Sendable>(stackSize: Int = 1 << 20, _ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = stackSize
            thread.start()
        }
    }
}
