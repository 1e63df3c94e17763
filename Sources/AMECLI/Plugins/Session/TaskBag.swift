import Foundation

/// Tasks to cancel together (a session's outstanding host calls).
final class TaskBag: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []

    func add(_ task: Task<Void, Never>) {
        lock.withLock { tasks.append(task) }
    }

    func cancelAll() {
        lock.withLock { tasks }.forEach { $0.cancel() }
    }
}
