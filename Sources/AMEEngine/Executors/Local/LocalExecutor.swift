import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a step as a process tree on this machine: `/bin/sh -c COMMAND` in its own session
/// (so cancel, timeout and memory kills reach every descendant), inside the attempt's
/// sandbox when it has one, with stdout and stderr piped through the secret masker into
/// the log, the memory limit enforced by a watchdog that samples the whole tree's resident
/// memory, and the storage limit by one that measures what the step can write to.
public struct LocalExecutor: Executor {
    /// How often the memory watchdog samples the process tree.
    public var memorySampleInterval: Duration = .milliseconds(50)
    /// How often the storage watchdog measures the workspace (at least; slower when
    /// measuring takes long).
    public var storageSampleInterval: Duration = .milliseconds(500)

    public init() {}

    public func execute(_ attempt: StepAttempt, log: StepLog) async -> AttemptResult {
        let shell = ["/bin/sh", "-c", attempt.command]
        var configuration = attempt.sandbox?.configuration(running: shell, environment: attempt.environment)
            ?? ChildProcess.Configuration(executable: shell[0], arguments: Array(shell.dropFirst()),
                                          environment: attempt.environment, workingDirectory: attempt.workingDirectory.path)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        configuration.newSession = true
        // If the agent dies, its step dies with it instead of running unobserved.
        configuration.parentDeathSignal = SIGKILL
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            return AttemptResult(outcome: .failedToStart, exitCode: 127, reason: "\(error)")
        }
        Trace.mark("executor: started")
        let session = child.pid
        // In a sandbox, the first two processes are bubblewrap's: asked to stop, they would
        // take the step down at once, so only the step's own processes get SIGTERM.
        let tree = ProcessTreeKiller(session: session, sparesWrapper: attempt.sandbox != nil)
        let kill = KillReason()

        let memoryLimit = attempt.resources.memory?.wholeUnits
        let watchdog: Task<Void, Never>? = memoryLimit.map { limit in
            Task.detached { [memorySampleInterval] in
                while !Task.isCancelled {
                    let used = ProcessTable.residentBytes(ofSession: session)
                    if used > limit {
                        kill.set(.outOfMemory(used: used, limit: limit))
                        tree.signal(SIGKILL)
                        return
                    }
                    try? await Task.sleep(for: memorySampleInterval)
                }
            }
        }
        let storageLimit = attempt.resources.storage?.wholeUnits
        let storagePaths = attempt.sandbox?.writablePaths ?? [attempt.workingDirectory.path]
        let storageWatch: Task<Void, Never>? = storageLimit.map { limit in
            Task.detached { [storageSampleInterval] in
                let clock = ContinuousClock()
                while !Task.isCancelled {
                    let started = clock.now
                    let used = DiskUsage.allocatedBytes(under: storagePaths)
                    if used > limit {
                        kill.set(.outOfStorage(used: used, limit: limit))
                        tree.signal(SIGKILL)
                        return
                    }
                    // Measuring a large workspace is work: never spend more than a tenth of the time on it.
                    try? await Task.sleep(for: max(storageSampleInterval, (clock.now - started) * 10))
                }
            }
        }
        let timer: Task<Void, Never>? = attempt.timeoutSeconds.map { seconds in
            Task.detached {
                try? await Task.sleep(for: .seconds(seconds))
                guard !Task.isCancelled else { return }
                kill.set(.timeout(seconds: seconds))
                tree.signal(SIGTERM)
                try? await Task.sleep(for: .seconds(5))
                tree.signal(SIGKILL)
            }
        }

        let readiness: Task<Void, Never>? = attempt.readinessPorts.isEmpty ? nil : Task.detached { [child] in
            // A service is running once every port it declared accepts connections.
            while !Task.isCancelled && child.exitStatusIfEnded == nil {
                if attempt.readinessPorts.allSatisfy({ TCPSocket.isAccepting(port: $0) }) {
                    attempt.onReady?()
                    return
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let idleWatch: Task<Void, Never>? = attempt.idleTimeoutSeconds.map { limit in
            Task.detached {
                var idleSince = ContinuousClock.now
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(min(5, max(1, limit / 4))))
                    if ServiceConnections.established(toPorts: attempt.readinessPorts) > 0 {
                        idleSince = ContinuousClock.now
                    } else if ContinuousClock.now - idleSince >= .seconds(limit) {
                        kill.set(.idle(seconds: limit))
                        tree.signal(SIGTERM)
                        try? await Task.sleep(for: .seconds(5))
                        tree.signal(SIGKILL)
                        return
                    }
                }
            }
        }

        let secrets = attempt.secretValues
        let pumps = [child.standardOutput.map { (LogEvent.Kind.stdout, $0) }, child.standardError.map { (LogEvent.Kind.stderr, $0) }]
            .compactMap { $0 }
            .map { kind, handle in
                Task.detached {
                    var masker = SecretMasker(secrets: secrets)
                    for await chunk in PipeReader.chunks(of: handle) {
                        let safe = masker.process(chunk)
                        if !safe.isEmpty { log.write(kind, safe) }
                    }
                    let rest = masker.flush()
                    if !rest.isEmpty { log.write(kind, rest) }
                }
            }

        let status = await withTaskCancellationHandler {
            await child.waitForExit()
        } onCancel: {
            kill.set(.cancelled)
            tree.signal(SIGTERM)
            Task.detached {
                try? await Task.sleep(for: .seconds(3))
                tree.signal(SIGKILL)
            }
        }
        Trace.mark("executor: command exited")
        // The command is done; background processes it left behind would hold the output
        // pipes open (and outlive the run), so the whole session goes now.
        tree.signal(SIGKILL)
        watchdog?.cancel()
        storageWatch?.cancel()
        timer?.cancel()
        readiness?.cancel()
        idleWatch?.cancel()
        for pump in pumps { await pump.value }
        Trace.mark("executor: output read")

        switch kill.value {
        case .outOfMemory(let used, let limit):
            return AttemptResult(outcome: .outOfMemory, exitCode: 137,
                                 reason: "killed: out of memory (used \(Quantity.bytes(used).roundedDescription) of its \(Quantity.bytes(limit)) memory limit)")
        case .timeout(let seconds):
            return AttemptResult(outcome: .timedOut, exitCode: 124, reason: "killed: timed out after \(DurationText.format(seconds: seconds))")
        case .outOfStorage(let used, let limit):
            return AttemptResult(outcome: .exited, exitCode: 137,
                                 reason: "killed: its files grew past its \(Quantity.bytes(limit)) storage limit (\(Quantity.bytes(used).roundedDescription))")
        case .cancelled:
            return AttemptResult(outcome: .cancelled, exitCode: 130, reason: "cancelled")
        case .idle(let seconds):
            return AttemptResult(outcome: .cancelled, exitCode: 130,
                                 reason: "stopped after \(DurationText.format(seconds: seconds)) without a connection (idle timeout)")
        case nil:
            // bubblewrap reports a command killed by a signal as 128 + the signal.
            var status = status
            if attempt.sandbox != nil, case .exited(let code) = status, code > 128, code <= 128 + 64 {
                status = .signaled(code - 128)
            }
            if status == .signaled(SIGXFSZ), let storage = attempt.resources.storage {
                return AttemptResult(outcome: .exited, exitCode: status.exitCode,
                                     reason: "killed: a file grew past its \(storage) storage limit")
            }
            let reason: String? = status.succeeded ? nil : "\(status)"
            return AttemptResult(outcome: .exited, exitCode: status.exitCode, reason: reason)
        }
    }
}

/// Signals a step's whole process tree, remembering the processes it has found in it that
/// left the step's session (a Jupyter kernel starts one of its own): once their parent has
/// exited they are no longer reachable through the tree, but they are still the step's and
/// still get the final SIGKILL.
final class ProcessTreeKiller: @unchecked Sendable {
    let session: pid_t
    /// The tree starts with bubblewrap's two processes (the first, and the one it runs as
    /// the sandbox's PID 1): only SIGKILL goes to them, which ends the whole sandbox.
    let sparesWrapper: Bool
    private let lock = NSLock()
    private var escaped: [pid_t: UInt64] = [:]

    init(session: pid_t, sparesWrapper: Bool = false) {
        self.session = session
        self.sparesWrapper = sparesWrapper
    }

    func signal(_ signal: Int32) {
        let session = self.session
        let members = ProcessTable.members(ofSession: session)
        let known = lock.withLock { () -> [pid_t: UInt64] in
            for member in members where member.session != session { escaped[member.pid] = member.startTime }
            return escaped
        }
        if sparesWrapper && signal != SIGKILL {
            for member in members where member.pid != session && member.parent != session {
                kill(member.pid, signal)
            }
            return
        }
        ProcessTable.killSession(session, signal: signal)
        for (pid, startTime) in known where ProcessTable.isAlive(pid: pid, startTime: startTime) {
            kill(pid, signal)
        }
    }
}

/// Why the executor killed the process tree (the first reason wins).
final class KillReason: @unchecked Sendable {
    enum Reason {
        case outOfMemory(used: Int64, limit: Int64)
        case outOfStorage(used: Int64, limit: Int64)
        case timeout(seconds: Int)
        case idle(seconds: Int)
        case cancelled
    }

    private let lock = NSLock()
    private var reason: Reason?

    func set(_ newReason: Reason) {
        lock.lock()
        if reason == nil { reason = newReason }
        lock.unlock()
    }

    var value: Reason? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }
}

extension Quantity {
    /// Bytes to one decimal in the largest fitting binary unit (`412.3Mi`).
    var roundedDescription: String {
        let bytes = Double(wholeUnits)
        for (suffix, size) in [("Gi", 1_073_741_824.0), ("Mi", 1_048_576.0), ("Ki", 1024.0)] where bytes >= size {
            return String(format: "%.1f", bytes / size) + suffix
        }
        return "\(wholeUnits)B"
    }
}
