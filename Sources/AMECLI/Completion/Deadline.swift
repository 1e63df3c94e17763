/// Completion answers within a deadline or not at all: a slow server or a hung plugin
/// must not freeze the user's prompt.
enum Deadline {
    /// What `work` returns, or nil when it takes longer than `limit`. The work is not
    /// awaited past the limit (a completion request ends right after answering).
    static func value<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () async -> T?) async -> T? {
        let result = OneShot<T?>()
        Task.detached { result.fulfil(await work()) }
        return await result.value(within: limit) ?? nil
    }
}
