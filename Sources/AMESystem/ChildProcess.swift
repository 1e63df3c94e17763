import CAMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `fork`/`exec` through a small C shim, so AME controls what
/// Foundation's `Process` does not: its own session (so the whole tree can be signalled),
/// a parent-death signal, and exact file descriptors.
public final class ChildProcess: Sendable {
    public enum Input: Sendable {
        case null
        /// A pipe whose write end is `standardInput`.
        case pipe
        case fileDescriptor(Int32)
    }

    public enum Output: Sendable {
        case null
        /// A pipe whose read end is `standardOutput` / `standardError`.
        case pipe
        /// This process's own stdout/stderr.
        case inherit
        case fileDescriptor(Int32)
    }

    public struct Configuration: Sendable {
        public var executable: String
        public var arguments: [String]
        public var environment: [String: String]
        public var workingDirectory: String?
        public var standardInput: Input = .null
        public var standardOutput: Output = .pipe
        public var standardError: Output = .pipe
        /// Own session and process group: `signalGroup` reaches every descendant.
        public var newSession = true
        /// Sent to the child when this process dies (Linux `PR_SET_PDEATHSIG`).
        public var parentDeathSignal: Int32? = SIGKILL
        /// Start the child from the calling thread rather than from the process-wide spawner
        /// thread. Linux sends the parent-death signal when the *thread* that started the
        /// child ends, so only for a caller that outlives the child (one that waits for it),
        /// such as a plugin session's own thread; it saves creating the spawner thread.
        public var spawnOnCallingThread = false

        public init(executable: String, arguments: [String] = [], environment: [String: String], workingDirectory: String? = nil) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.workingDirectory = workingDirectory
        }
    }

    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        public var executable: String
        public var errorNumber: Int32
        public var description: String {
            "cannot start \(executable): \(String(cString: strerror(errorNumber)))"
        }
    }

    public let pid: pid_t
    /// Write end of the child's stdin when `.pipe` was asked for.
    public let standardInput: FileHandle?
    /// Read ends of the child's stdout/stderr when `.pipe` was asked for.
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?
    private let exitBox = ExitBox()

    private init(pid: pid_t, stdin: FileHandle?, stdout: FileHandle?, stderr: FileHandle?) {
        self.pid = pid
        self.standardInput = stdin
        self.standardOutput = stdout
        self.standardError = stderr
    }

    /// Starts the process. `executable` may be a bare name, looked up in the configured
    /// environment's `PATH`.
    public static func spawn(_ configuration: Configuration) throws -> ChildProcess {
        guard let path = ExecutableLookup.find(configuration.executable, path: configuration.environment["PATH"]) else {
            throw SpawnError(executable: configuration.executable, errorNumber: ENOENT)
        }
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard ame_pipe_cloexec(&fds) == 0 else { throw SpawnError(executable: path, errorNumber: errno) }
            return (fds[0], fds[1])
        }
        defer { childEnds.forEach { close($0) } }
        var stdinFD: Int32 = -1
        var stdinHandle: FileHandle?
        switch configuration.standardInput {
        case .null: break
        case .fileDescriptor(let fd): stdinFD = fd
        case .pipe:
            let pipe = try makePipe()
            stdinFD = pipe.read
            childEnds.append(pipe.read)
            parentEnds.append(pipe.write)
            stdinHandle = FileHandle(fileDescriptor: pipe.write, closeOnDealloc: true)
        }
        func output(_ mode: Output, inheritFD: Int32) throws -> (Int32, FileHandle?) {
            switch mode {
            case .null: return (-1, nil)
            case .inherit: return (inheritFD, nil)
            case .fileDescriptor(let fd): return (fd, nil)
            case .pipe:
                let pipe = try makePipe()
                childEnds.append(pipe.write)
                parentEnds.append(pipe.read)
                return (pipe.write, FileHandle(fileDescriptor: pipe.read, closeOnDealloc: true))
            }
        }
        let (stdoutFD, stdoutHandle) = try output(configuration.standardOutput, inheritFD: STDOUT_FILENO)
        let (stderrFD, stderrHandle) = try output(configuration.standardError, inheritFD: STDERR_FILENO)

        let argv = [path] + configuration.arguments
        let envp = configuration.environment.map { "\($0.key)=\($0.value)" }
        let workingDirectory = configuration.workingDirectory
        let newSession = configuration.newSession
        let deathSignal = configuration.parentDeathSignal ?? 0
        // Linux sends the parent-death signal when the *thread* that forked exits, and the
        // threads of Swift's async pool come and go: fork from one thread that never exits.
        let spawn = { () -> (pid_t, Int32) in
            var errorNumber: Int32 = 0
            let pid: pid_t = withCStringArray(argv) { argvPointer in
            withCStringArray(envp) { envpPointer in
                path.withCString { pathPointer in
                    withOptionalCString(workingDirectory) { cwdPointer in
                        var options = ame_spawn_options(
                            path: pathPointer, argv: argvPointer, envp: envpPointer, cwd: cwdPointer,
                            stdin_fd: stdinFD, stdout_fd: stdoutFD, stderr_fd: stderrFD,
                            new_session: newSession ? 1 : 0, new_process_group: 0,
                            death_signal: deathSignal)
                        return ame_spawn(&options, &errorNumber)
                    }
                }
            }
        }
            return (pid, errorNumber)
        }
        let (pid, errorNumber) = configuration.spawnOnCallingThread ? spawn() : SpawnerThread.shared.run(spawn)
        guard pid > 0 else {
            parentEnds.forEach { close($0) }
            throw SpawnError(executable: path, errorNumber: errorNumber)
        }
        return ChildProcess(pid: pid, stdin: stdinHandle, stdout: stdoutHandle, stderr: stderrHandle)
    }

    /// Waits (on a thread of its own, so no async thread blocks) for the process to end.
    /// Safe to call more than once.
    public func waitForExit() async -> TerminationStatus {
        await exitBox.value(pid: pid)
    }

    /// Non-blocking: the status if the process has ended.
    public var exitStatusIfEnded: TerminationStatus? { exitBox.poll(pid: pid) }

    /// A descriptor that becomes readable when the process exits (a pidfd), so a poll(2)
    /// loop can wait for the exit among other things; nil where the kernel has none (before
    /// Linux 5.3). The caller closes it. Reaping is still `exitStatusIfEnded`'s.
    public func openExitDescriptor() -> Int32? {
        let descriptor = ame_pidfd_open(pid)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Sends `signal` to the process's whole group (its session, when `newSession`).
    public func sendToGroup(_ signal: Int32) {
        kill(-pid, signal)
    }
}

/// Reaps the child exactly once and hands the status to every waiter.
private final class ExitBox: @unchecked Sendable {
    private let lock = NSLock()
    private var status: TerminationStatus?
    private var waiters: [CheckedContinuation<TerminationStatus, Never>] = []
    private var waiting = false

    func poll(pid: pid_t) -> TerminationStatus? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        if waiting { return nil }
        var raw: Int32 = 0
        if ame_wait(pid, &raw, 1) == pid {
            status = Self.decode(raw)
        }
        return status
    }

    func value(pid: pid_t) async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let status {
                lock.unlock()
                continuation.resume(returning: status)
                return
            }
            waiters.append(continuation)
            let startThread = !waiting
            waiting = true
            lock.unlock()
            guard startThread else { return }
            let thread = Thread { [self] in
                var raw: Int32 = 0
                let result = ame_wait(pid, &raw, 0)
                let decoded: TerminationStatus = result == pid ? Self.decode(raw) : .exited(-1)
                lock.lock()
                if status == nil { status = decoded }
                let finalStatus = status ?? decoded
                let pending = waiters
                waiters = []
                lock.unlock()
                pending.forEach { $0.resume(returning: finalStatus) }
            }
            thread.stackSize = 64 * 1024
            thread.start()
        }
    }

    static func decode(_ raw: Int32) -> TerminationStatus {
        if ame_wifexited(raw) != 0 { return .exited(ame_wexitstatus(raw)) }
        if ame_wifsignaled(raw) != 0 { return .signaled(ame_wtermsig(raw)) }
        return .exited(-1)
    }
}

/// A thread that lives as long as the process and runs submitted jobs in order: the parent
/// of every child, so parent-death signals fire only when AME itself dies.
final class SpawnerThread: @unchecked Sendable {
    static let shared = SpawnerThread()

    private let condition = NSCondition()
    private var jobs: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "ame-process-spawner"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Runs `job` on the spawner thread and waits for its result.
    func run<T>(_ job: @escaping () -> T) -> T {
        if Thread.current.name == "ame-process-spawner" { return job() }
        let done = DispatchSemaphore(value: 0)
        var result: T?
        condition.lock()
        jobs.append {
            result = job()
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        guard let result else { fatalError("spawner job produced no result") }
        return result
    }

    private func loop() -> Never {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { buffer in
        body(buffer.baseAddress!)
    }
}

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
