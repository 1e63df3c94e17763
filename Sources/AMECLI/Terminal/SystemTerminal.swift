import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's own stdin, stdout and stderr.
public final class SystemTerminal: Terminal, @unchecked Sendable {
    // Writes go straight to the file descriptors (no stdio buffering), so output
    // interleaves correctly and a run's output appears as soon as it is produced.
    private let lock = NSLock()
    public let stdinIsTTY: Bool
    public let stdoutIsTTY: Bool
    public let stderrIsTTY: Bool
    public let colorEnabled: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        stdinIsTTY = isatty(STDIN_FILENO) == 1
        stdoutIsTTY = isatty(STDOUT_FILENO) == 1
        stderrIsTTY = isatty(STDERR_FILENO) == 1
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        colorEnabled = stdoutIsTTY && !noColor && environment["TERM"] != "dumb"
    }

    public var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    public func write(_ data: Data, to stream: OutputStream) {
        let descriptor = stream == .stdout ? STDOUT_FILENO : STDERR_FILENO
        lock.lock()
        defer { lock.unlock() }
        // A closed pipe (the reader is gone) leaves nothing useful to do: the error is dropped.
        _ = data.withUnsafeBytes { POSIXIO.writeAll(descriptor, $0) }
    }

    public func readLine(prompt: String, hidden: Bool) -> String? {
        err(prompt)
        guard hidden, stdinIsTTY else { return Swift.readLine(strippingNewline: true) }
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            err("\n")
        }
        return Swift.readLine(strippingNewline: true)
    }

    public func readAllInput() -> Data {
        FileHandle.standardInput.readDataToEndOfFile()
    }
}
