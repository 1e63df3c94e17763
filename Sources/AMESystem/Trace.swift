import Foundation

/// `AME_TRACE=1` prints where time goes (milliseconds since the process started) to stderr,
/// for finding latency; silent otherwise.
public enum Trace {
    static let enabled = ProcessInfo.processInfo.environment["AME_TRACE"] == "1"
    static let start = Date()

    public static func mark(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start) * 1000
        // The wall clock's last digits too, to line up the CLI's marks with its agent's.
        let clock = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 100) * 1000
        FileHandle.standardError.write(Data(String(format: "[trace %7.1f ms pid %d @%8.1f] ", elapsed, getpid(), clock).utf8 + Data((what() + "\n").utf8)))
    }
}
