import AMECore
import ArgumentParser
import Foundation

/// `ame logs RUN`: a run's output, from any offset, optionally following it live.
struct LogsCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's output; with -f, follow it until the run ends.",
        discussion: "Offsets are byte offsets in the run's log: 'ame run' prints the one to re-attach from after a detach.")

    @Argument(help: "The run id.", completion: .custom(CompletionSources.runs))
    var run: String

    @Flag(name: [.short, .long], help: "Keep printing new output until the run ends.")
    var follow = false

    @Option(name: .long, help: ArgumentHelp("Start at this byte offset of the log.", valueName: "offset"))
    var from: Int64 = 0

    @Option(name: .long, help: ArgumentHelp("Only this node's output, for a step on several nodes ('nodes:' in ame.yaml); AME's own lines stay.", valueName: "rank"))
    var node: Int?

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print each log event as a JSON line (offset, next, kind, step, text).")
    var json = false

    struct EventLine: Encodable {
        var offset: Int64
        var next: Int64
        var kind: LogEvent.Kind
        var step: String?
        var time: Date
        var text: String
        var exitCode: Int32?
    }

    func run(context: CommandContext) async throws {
        guard from >= 0 else { throw CLIError("--from must be 0 or more", exitCode: 2) }
        if let node, node < 0 { throw CLIError("--node must be a rank: 0 or more", exitCode: 2) }
        let filter = node.map(NodeLogFilter.init(rank:))
        let api = try context.jobsAPI(local: local)
        let record = try await api.getRun(run)
        let terminal = context.terminal
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            for try await unfiltered in api.logs(record.id, from: from, follow: follow) {
                guard let event = NodeLogFilter.apply(filter, to: unfiltered) else { continue }
                var line = try encoder.encode(EventLine(offset: event.offset, next: event.next, kind: event.kind, step: event.step,
                                                        time: event.time, text: event.text, exitCode: event.exitCode))
                line.append(0x0A)
                terminal.write(line, to: .stdout)
            }
            return
        }
        let renderer = LogRenderer(terminal: terminal, labelSteps: terminal.stdoutIsTTY && record.steps.count > 1)
        if follow && record.status.isActive {
            var follower = RunFollower(api: api, context: context, labelSteps: renderer.labelSteps, interruptMode: .detach)
            follower.filter = filter
            let outcome = try await follower.follow(record, from: from)
            guard case .finished(let finished, _) = outcome else { return }
            await offerPull(finished.id, api: api, terminal: terminal)
            if let code = finished.exitCode, code != 0 { throw ExitStatus(code) }
            return
        }
        for try await event in api.logs(record.id, from: from, follow: false) {
            if let shown = NodeLogFilter.apply(filter, to: event) { renderer.render(shown) }
        }
        if follow { await offerPull(record.id, api: api, terminal: terminal) }
    }

    /// 'ame logs -f' brings nothing back itself (it may run anywhere): it says how.
    private func offerPull(_ id: String, api: any JobsAPI, terminal: any Terminal) async {
        guard let files = try? await api.artifacts(id), !files.isEmpty else { return }
        terminal.errLine("ame: run \(id) collected \(files.count) file\(files.count == 1 ? "" : "s"); bring \(files.count == 1 ? "it" : "them") back with: ame pull \(id)")
    }
}
