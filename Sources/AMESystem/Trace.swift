#if canImport(Glibc)
import Glibc
#endif

/// `AME_TRACE=1` prints where time goes to stderr, for finding latency; silent otherwise.
/// Each mark carries the monotonic clock in milliseconds (the same clock in every process,
/// so a CLI's marks line up with its agent's and with a wrapper that notes when it exec'd
/// `ame`) and the time since the first mark. Cheap enough to leave in start-up paths: no
/// Foundation, one getenv.
public enum Trace {
    static let enabled = getenv("AME_TRACE").map { String(cString: $0) == "1" } ?? false
    nonisolated(unsafe) static var first: Double?

    public static func mark(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let clock = Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000
        let start = first ?? clock
        if first == nil { first = clock }
        let line = "[trace \(fixed(clock - start)) ms pid \(getpid()) @\(fixed(clock))] \(what())\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    private static func fixed(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
