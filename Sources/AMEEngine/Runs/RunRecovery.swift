import AMECore
import AMESystem
import Foundation

/// Finds runs whose agent process is gone (killed, crashed, machine rebooted) and marks
/// them `lost` with a reason, never silently dropping them; kills what they left running
/// and frees their capacity.
public struct RunRecovery: Sendable {
    let engine: Engine
    /// A queued run whose agent never reported is given this long to start.
    var launchGrace: TimeInterval = 30

    public init(engine: Engine) {
        self.engine = engine
    }

    /// Starts the agents of runs that were accepted but never started (the server stopped
    /// between answering and launching them): an accepted run is run, not lost. Call before
    /// `recoverLostRuns`, when this process is the only launcher.
    public func startUnlaunchedRuns(with launcher: any RunLauncher) -> [String] {
        guard let active = try? engine.store.activeRuns() else { return [] }
        var started: [String] = []
        for run in active where run.executor == .local && run.agentPID == nil {
            do {
                try launcher.launch(run, engine: engine)
                started.append(run.id)
            } catch {
                markLost(run, reason: "its agent could not be started: \(error)")
            }
        }
        return started
    }

    public func recoverLostRuns(now: Date = Date()) {
        guard let active = try? engine.store.activeRuns() else { return }
        for run in active where isLost(run, now: now) {
            markLost(run, reason: run.agentPID.map { "the run agent (pid \($0)) stopped without reporting; the run was lost" }
                        ?? "the run never started (its agent did not launch)")
        }
    }

    func isLost(_ run: StoredRun, now: Date) -> Bool {
        // Kubernetes runs are watched by the server, not by a local agent.
        guard run.executor == .local else { return false }
        guard let pid = run.agentPID else {
            return now.timeIntervalSince(run.record.createdAt) > launchGrace
        }
        return !ProcessTable.isAlive(pid: pid, startTime: run.agentStartTime)
    }

    func markLost(_ run: StoredRun, reason: String) {
        for session in (try? engine.store.runningSessions(run.id)) ?? [] {
            ProcessTable.killSession(session)
        }
        guard engine.endRun(run.id, Engine.RunEnding(.lost, reason: reason, exitCode: 1), note: "✗ \(reason)") else { return }
        for step in run.record.steps where step.status.isActive {
            try? engine.store.updateStep(run.id, step.name, status: .lost, reason: reason)
        }
    }
}
