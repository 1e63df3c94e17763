/// How a failed step is tried again.
public struct RetryPolicy: Hashable, Sendable, Codable {
    /// Total attempts for a failure other than memory (1 = no retry).
    public var attempts: Int
    /// Retry with more memory when the step was killed for exceeding its memory.
    public var oom: OOMRetry?

    public init(attempts: Int = 1, oom: OOMRetry? = nil) {
        self.attempts = attempts
        self.oom = oom
    }
}

/// The out-of-memory retry rule: memory × `factor`, up to `maxMemory`.
public struct OOMRetry: Hashable, Sendable, Codable {
    public static let defaultFactor = 2.0

    public var factor: Double
    /// Nil means "up to the executor's limit".
    public var maxMemory: Quantity?

    public init(factor: Double = OOMRetry.defaultFactor, maxMemory: Quantity? = nil) {
        self.factor = factor
        self.maxMemory = maxMemory
    }

    enum CodingKeys: String, CodingKey {
        case factor
        case maxMemory = "max_memory"
    }
}
