import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running plugin seen from the one thread that runs its session: messages to its stdin,
/// its stdout parsed into messages, its stderr copied to the user and its tail kept, Ctrl-C
/// presses and its exit — all waited for with one poll(2), with no thread of its own.
///
/// A session is on the path of every `ame NAME`: reader and waiter threads (and Swift's
/// async runtime) used to cost more than the plugin itself. Host calls still run as tasks;
/// they answer through `send`, which any thread may call.
final class PluginConnection: @unchecked Sendable {
    enum Event {
        case output(PluginProcess.Output)
        case interrupt
        /// The deadline passed.
        case timeout
    }

    let child: ChildProcess
    private let interrupts: InterruptPipe
    private let stderrSink: (Data) -> Void
    private let tail = StderrTail()

    private let writeLock = NSLock()
    private var stdinDescriptor: Int32
    private var stdoutDescriptor: Int32
    private var stderrDescriptor: Int32
    /// Readable when the plugin exits (nil on kernels without pidfd: then exits are polled).
    private let exitDescriptor: Int32?

    /// After a malformed or overlong line it parses nothing more; stdout is still drained.
    private var parser = PluginOutputParser()
    private var pending: [PluginProcess.Output] = []
    /// Ctrl-C presses taken from the pipe and not yet reported (several can arrive at once).
    private var presses = 0
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    private init(child: ChildProcess, stdin: Int32, stdout: Int32, stderr: Int32, interrupts: InterruptPipe,
                 stderrSink: @escaping (Data) -> Void) {
        self.child = child
        self.stdinDescriptor = stdin
        self.stdoutDescriptor = stdout
        self.stderrDescriptor = stderr
        self.interrupts = interrupts
        self.stderrSink = stderrSink
        self.exitDescriptor = child.openExitDescriptor()
    }

    deinit {
        for descriptor in [stdinDescriptor, stdoutDescriptor, stderrDescriptor, exitDescriptor ?? -1] where descriptor >= 0 {
            close(descriptor)
        }
    }

    /// Starts `path` (never through a shell), from the calling thread, which must run the
    /// session to its end (see `ChildProcess.Configuration.spawnOnCallingThread`).
    static func start(path: String, environment: [String: String], workingDirectory: String, interrupts: InterruptPipe,
                      stderr stderrSink: @escaping (Data) -> Void) throws -> PluginConnection {
        // A plugin that exits while AME writes to it must cause an error, not kill AME.
        signal(SIGPIPE, SIG_IGN)
        var configuration = ChildProcess.Configuration(executable: path, arguments: [], environment: environment,
                                                       workingDirectory: workingDirectory)
        configuration.standardInput = .pipe
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        configuration.spawnOnCallingThread = true
        let child = try PluginSpawn.start(configuration)
        guard let stdin = child.standardInput, let stdout = child.standardOutput, let stderr = child.standardError else {
            child.sendToGroup(SIGKILL)
            throw CLIError("no pipes to \(path)")
        }
        // The descriptors are this connection's alone from now on: copies, and the handles'
        // own closed, or the plugin would never see its stdin end (nor get EPIPE on stdout).
        let connection = PluginConnection(child: child, stdin: dup(stdin.fileDescriptor), stdout: dup(stdout.fileDescriptor),
                                          stderr: dup(stderr.fileDescriptor), interrupts: interrupts, stderrSink: stderrSink)
        for handle in [stdin, stdout, stderr] { try? handle.close() }
        return connection
    }

    // MARK: Writing

    /// Sends one message; false when the plugin no longer reads its stdin.
    @discardableResult
    func send(_ message: RPCMessage) -> Bool {
        guard let data = try? message.encoded() else { return false }
        writeLock.lock()
        defer { writeLock.unlock() }
        guard stdinDescriptor >= 0 else { return false }
        return data.withUnsafeBytes { POSIXIO.writeAll(stdinDescriptor, $0) } == 0
    }

    /// Closes the plugin's stdin: the end of the session.
    func closeInput() {
        writeLock.lock()
        defer { writeLock.unlock() }
        if stdinDescriptor >= 0 { close(stdinDescriptor) }
        stdinDescriptor = -1
    }

    // MARK: Reading

    /// The next thing that happened, waiting until `deadline` (forever when nil).
    func next(until deadline: ContinuousClock.Instant?) -> Event {
        while true {
            if !pending.isEmpty { return .output(pending.removeFirst()) }
            presses += interrupts.takePresses()
            if presses > 0 {
                presses -= 1
                return .interrupt
            }
            if !wait(until: deadline, forExit: false) { return .timeout }
        }
    }

    /// The lines the plugin last wrote on stderr.
    func lastStderrLines(_ count: Int = 5) -> [String] {
        tail.lastLines(count)
    }

    /// One poll over stdout, stderr, the interrupt pipe and (when asked) the exit; handles
    /// what is ready. False when `deadline` passed first.
    private func wait(until deadline: ContinuousClock.Instant?, forExit: Bool) -> Bool {
        var descriptors: [pollfd] = []
        let events = Int16(POLLIN)
        if stdoutDescriptor >= 0 { descriptors.append(pollfd(fd: stdoutDescriptor, events: events, revents: 0)) }
        if stderrDescriptor >= 0 { descriptors.append(pollfd(fd: stderrDescriptor, events: events, revents: 0)) }
        descriptors.append(pollfd(fd: interrupts.readDescriptor, events: events, revents: 0))
        if forExit, let exitDescriptor { descriptors.append(pollfd(fd: exitDescriptor, events: events, revents: 0)) }
        var timeout = Self.milliseconds(until: deadline)
        // Without a pidfd the exit is noticed by looking, every few milliseconds.
        if forExit && exitDescriptor == nil { timeout = timeout < 0 ? 5 : min(timeout, 5) }
        let ready = descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
        if ready < 0 { return errno == EINTR || deadline.map { ContinuousClock.now < $0 } ?? true }
        if ready == 0 { return deadline.map { ContinuousClock.now < $0 } ?? true }
        for entry in descriptors where entry.revents != 0 {
            if entry.fd == stdoutDescriptor { readStdout() }
            if entry.fd == stderrDescriptor { readStderr() }
        }
        return true
    }

    private func readStdout() {
        switch readChunk(&stdoutDescriptor) {
        case .none:
            // Closed at its end (a plugin still writing gets EPIPE instead of blocking forever).
            pending += parser.finish()
        case .some(let chunk):
            pending += parser.feed(chunk)
        }
    }

    private func readStderr() {
        guard let chunk = readChunk(&stderrDescriptor), !chunk.isEmpty else { return }
        stderrSink(chunk)
        tail.append(chunk)
    }

    /// One read(2) of a ready pipe: its bytes (none when interrupted), or nil at its end,
    /// when our end is closed and `descriptor` set to -1.
    private func readChunk(_ descriptor: inout Int32) -> Data? {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && (errno == EINTR || errno == EAGAIN) { return Data() }
        guard count > 0 else {
            close(descriptor)
            descriptor = -1
            return nil
        }
        return buffer.withUnsafeBytes { bytes in bytes.baseAddress.map { Data(bytes: $0, count: count) } ?? Data() }
    }

    // MARK: The end

    /// Waits at most `limit` for the plugin to exit, still copying its stderr (and draining
    /// its stdout) so it cannot block on a full pipe. Whatever it started and left behind
    /// goes with it: stragglers would hold its pipes open.
    func exitStatus(within limit: Duration) -> TerminationStatus? {
        let deadline = ContinuousClock.now + limit
        var waiting = true
        while true {
            if let status = child.exitStatusIfEnded {
                child.sendToGroup(SIGKILL)
                return status
            }
            guard waiting else { return nil }
            // One more look at the exit after the deadline, then give up.
            waiting = wait(until: deadline, forExit: true)
            discardEvents()
        }
    }

    /// Gives the plugin `grace` to exit, then SIGTERM and `grace` again, then SIGKILL.
    func stop(grace: Duration) -> TerminationStatus {
        if let status = exitStatus(within: grace) { return status }
        return terminate(grace: grace)
    }

    /// SIGTERM, `grace`, SIGKILL.
    func terminate(grace: Duration) -> TerminationStatus {
        if let status = child.exitStatusIfEnded { return status }
        child.sendToGroup(SIGTERM)
        if let status = exitStatus(within: grace) { return status }
        child.sendToGroup(SIGKILL)
        return exitStatus(within: .seconds(3600)) ?? .signaled(SIGKILL)
    }

    /// Copies what is left on stderr (at most `limit`), so error messages come after
    /// everything the plugin said.
    func drainStderr(limit: Duration = .milliseconds(500)) {
        let deadline = ContinuousClock.now + limit
        while stderrDescriptor >= 0 && wait(until: deadline, forExit: false) {
            discardEvents()
        }
    }

    /// Once the session has its ending, presses and further output change nothing.
    private func discardEvents() {
        _ = interrupts.takePresses()
        presses = 0
        pending.removeAll()
    }

    static func milliseconds(until deadline: ContinuousClock.Instant?) -> Int32 {
        guard let deadline else { return -1 }
        let left = ContinuousClock.now.duration(to: deadline)
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }
}
