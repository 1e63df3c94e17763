/// How the client retries answers that may go away by themselves (429, 5xx, no
/// connection): exponential back-off with jitter, honouring `Retry-After`.
public struct Backoff: Sendable {
    /// Tries in all, the first included.
    public var attempts: Int
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(attempts: Int = 6, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(10)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The pause before try number `attempt + 1` (`attempt` counts from 1).
    public func delay(after attempt: Int, retryAfterSeconds: Int? = nil) -> Duration {
        if let retryAfterSeconds, retryAfterSeconds >= 0 {
            return min(.seconds(retryAfterSeconds), maximumDelay)
        }
        var delay = initialDelay
        for _ in 1..<max(1, attempt) where delay < maximumDelay { delay *= 2 }
        delay = min(delay, maximumDelay)
        // Up to a quarter less, so that many clients retrying do not retry in step.
        return delay - delay * Double.random(in: 0..<0.25)
    }
}
