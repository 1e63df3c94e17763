import AMECore
import AMESystem
import Foundation

/// Streams a run's log to the terminal until it ends, handling Ctrl-C: the first press
/// cancels the run, the second detaches and says how to re-attach.
struct RunFollower {
    enum Outcome {
        /// `failureShown`: the log has said why the run failed, so the summary need not.
        case finished(RunRecord, failureShown: Bool)
        case detached
    }

    enum InterruptMode {
        /// `ame run`: the first Ctrl-C cancels the run, the second detaches.
        case cancelThenDetach
        /// `ame logs -f`: Ctrl-C only stops following.
        case detach
    }

    let api: any JobsAPI
    let context: CommandContext
    let labelSteps: Bool
    var interruptMode: InterruptMode = .cancelThenDetach
    /// With `--json`, stdout carries the JSON result, so the run's stdout goes to stderr.
    var stdoutToStderr = false
    /// An environment build is one updating line on a terminal (`ame run`); `ame logs`
    /// shows it all.
    var quietSetup = false
    /// `ame logs -f --node N`: only node N's lines (and AME's).
    var filter: NodeLogFilter?

    func follow(_ run: RunRecord, from offset: Int64 = 0) async throws -> Outcome {
        let terminal = context.terminal
        let renderer = LogRenderer(terminal: stdoutToStderr ? StderrOnlyTerminal(base: terminal) : terminal, labelSteps: labelSteps,
                                   quietSetup: quietSetup)
        let interrupts = InterruptHandler()
        defer { interrupts.stop() }
        let detached = Locked(false)
        let api = self.api
        let filter = self.filter
        let streaming = Task {
            for try await event in api.logs(run.id, from: offset, follow: true) {
                if let shown = NodeLogFilter.apply(filter, to: event) { renderer.render(shown) }
                if event.kind == .end { break }
            }
        }
        let mode = interruptMode
        interrupts.onInterrupt { presses in
            if presses == 1 && mode == .cancelThenDetach {
                terminal.errLine("\name: cancelling run \(run.id)… (press Ctrl-C again to detach)")
                Task { _ = try? await api.cancelRun(run.id) }
            } else {
                detached.set(true)
                streaming.cancel()
            }
        }
        do {
            try await streaming.value
        } catch where detached.value {
            // Detached on purpose.
        }
        if detached.value {
            terminal.errLine("\name: detached from run \(run.id)\(interruptMode == .cancelThenDetach ? " (it is being cancelled)" : "; it keeps running").")
            terminal.errLine("ame: re-attach with: ame logs \(run.id) -f --from \(renderer.lastOffset)")
            terminal.errLine("ame: once it ends, bring its files back with: ame pull \(run.id)")
            throw ExitStatus(130)
        }
        // The run's record says how it ended: the engine records that before it ends the log
        // (Engine.endRun), so the record is final once the log's end has come.
        let finished = try await api.getRun(run.id)
        return .finished(finished, failureShown: renderer.showedFailure)
    }
}

/// Sends what would go to stdout to stderr (for `--json`, whose stdout is the JSON).
final class StderrOnlyTerminal: Terminal, @unchecked Sendable {
    let base: any Terminal
    init(base: any Terminal) { self.base = base }
    var stdinIsTTY: Bool { base.stdinIsTTY }
    var stdoutIsTTY: Bool { base.stderrIsTTY }
    var stderrIsTTY: Bool { base.stderrIsTTY }
    var colorEnabled: Bool { base.colorEnabled }
    var width: Int { base.width }
    func write(_ data: Data, to stream: OutputStream) { base.write(data, to: .stderr) }
    func readLine(prompt: String, hidden: Bool) -> String? { base.readLine(prompt: prompt, hidden: hidden) }
    func readAllInput() -> Data { base.readAllInput() }
}
