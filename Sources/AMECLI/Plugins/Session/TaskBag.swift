import AMESystem

/// Tasks to cancel together (a session's outstanding host calls).
final class TaskBag: Sendable {
    private let tasks = Locked<[Task<Void, Never>]>([])

    func add(_ task: Task<Void, Never>) {
        tasks.withLock { $0.append(task) }
    }

    func cancelAll() {
        tasks.value.forEach { $0.cancel() }
    }
}
