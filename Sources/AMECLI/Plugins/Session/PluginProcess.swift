import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running plugin and the pipes of its session: messages in on stdin, messages out on
/// stdout (read and parsed on a thread of its own), stderr copied to the user's terminal
/// (or wherever `stderr` sends it) and its tail kept for error messages.
final class PluginProcess: @unchecked Sendable {
    /// What the stdout reader reports.
    enum Output: Sendable {
        case message(RPCMessage)
        /// A line that is not a JSON-RPC message; `excerpt` is its beginning.
        case malformed(reason: String, excerpt: String)
        case lineTooLong
        /// End of stdout: the plugin exited or closed it.
        case closed
    }

    /// The longest message AME accepts.
    static let maximumMessageSize = 8 << 20

    let child: ChildProcess
    private let stderrTail: StderrTail
    private let stdin: FileHandle
    private let writeLock = NSLock()
    private let stderrDone: OneShot<Bool>

    private init(child: ChildProcess, stdin: FileHandle, stderrDone: OneShot<Bool>, tail: StderrTail) {
        self.child = child
        self.stdin = stdin
        self.stderrDone = stderrDone
        self.stderrTail = tail
    }

    /// Starts `path` (never through a shell) and begins reading its stdout and stderr.
    static func start(path: String, arguments: [String], environment: [String: String], workingDirectory: String,
                      stderr stderrSink: @escaping @Sendable (Data) -> Void,
                      onOutput: @escaping @Sendable (Output) -> Void) throws -> PluginProcess {
        // A plugin that exits while AME writes to it must cause an error, not kill AME.
        signal(SIGPIPE, SIG_IGN)
        var configuration = ChildProcess.Configuration(executable: path, arguments: arguments, environment: environment,
                                                       workingDirectory: workingDirectory)
        configuration.standardInput = .pipe
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child = try PluginSpawn.start(configuration)
        guard let stdin = child.standardInput, let stdout = child.standardOutput, let stderr = child.standardError else {
            child.sendToGroup(SIGKILL)
            throw CLIError("no pipes to \(path)")
        }
        let tail = StderrTail()
        let stderrDone = OneShot<Bool>()
        Task.detached {
            for await chunk in PipeReader.chunks(of: stderr) {
                stderrSink(chunk)
                tail.append(chunk)
            }
            stderrDone.fulfil(true)
        }
        let process = PluginProcess(child: child, stdin: stdin, stderrDone: stderrDone, tail: tail)
        readMessages(from: stdout, onOutput: onOutput)
        return process
    }

    /// The lines the plugin last wrote on stderr.
    func lastStderrLines(_ count: Int = 5) -> [String] {
        stderrTail.lastLines(count)
    }

    /// Waits (at most `limit`) for stderr to be fully copied, so error messages come after
    /// everything the plugin said.
    func drainStderr(limit: Duration = .milliseconds(500)) async {
        _ = await stderrDone.value(within: limit)
    }

    /// Sends one message; false when the plugin no longer reads its stdin.
    @discardableResult
    func send(_ message: RPCMessage) -> Bool {
        guard let data = try? message.encoded() else { return false }
        writeLock.lock()
        defer { writeLock.unlock() }
        let descriptor = stdin.fileDescriptor
        guard descriptor >= 0 else { return false }
        return data.withUnsafeBytes { POSIXIO.writeAll(descriptor, $0) } == 0
    }

    /// Closes the plugin's stdin: the end of the session.
    func closeInput() {
        writeLock.lock()
        defer { writeLock.unlock() }
        try? stdin.close()
    }

    private static func readMessages(from stdout: FileHandle, onOutput: @escaping @Sendable (Output) -> Void) {
        let thread = Thread {
            withExtendedLifetime(stdout) {
                let descriptor = stdout.fileDescriptor
                var parser = PluginOutputParser()
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while !parser.stopped {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    parser.feed(Data(buffer[0..<count])).forEach(onOutput)
                }
                let ending = parser.finish()
                // Close our end (before `.closed`): a plugin still writing gets EPIPE instead
                // of blocking forever.
                try? stdout.close()
                ending.forEach(onOutput)
            }
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }

    static func excerpt(_ line: Data) -> String {
        let text = String(decoding: line.prefix(200), as: UTF8.self)
        let printable = String(text.unicodeScalars.map { $0.value < 0x20 ? "·" : Character($0) })
        return printable.count > 60 ? String(printable.prefix(60)) + "…" : printable
    }
}
