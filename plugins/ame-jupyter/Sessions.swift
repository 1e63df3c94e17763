import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame jupyter list`: the notebook sessions (service runs labelled `plugin: jupyter`).
struct ListSessions: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List JupyterLab sessions.")

    @Flag(help: "Include sessions that have ended.")
    var all = false

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let embedded = host.context.server == "embedded"
        let runs = try await host.listRuns(RunListParams(labels: SessionControl.labels, active: all ? nil : true, limit: 100))
        let store = SessionStore()
        // Forget the tokens of sessions of this engine that have ended.
        let active = Set(runs.filter { !$0.isFinished }.map(\.id))
        for session in store.all() where session.server == host.context.server && !active.contains(session.runId) {
            if let run = try? await host.getRun(session.runId), !run.isFinished { continue }
            store.remove(session.runId)
        }

        var rows: [[String]] = []
        var items: [JSONValue] = []
        for run in runs {
            let port = SessionControl.servicePort(of: run)
            var reach = ""
            if !run.isFinished {
                if embedded, let port, run.status == "running" {
                    reach = LabCommandLine.url(port: port, token: store.load(run.id)?.token)
                } else {
                    reach = "ame jupyter attach \(run.id)"
                }
            }
            rows.append([run.id, run.status, run.project, run.createdAt.map(Self.age) ?? "", reach])
            var item: [String: JSONValue] = ["id": .string(run.id), "status": .string(run.status), "project": .string(run.project)]
            if let port { item["port"] = .integer(Int64(port)) }
            if embedded && !reach.isEmpty && reach.hasPrefix("http") { item["url"] = .string(reach) }
            items.append(.object(item))
        }
        if rows.isEmpty {
            host.print(all ? "No JupyterLab sessions yet. Start one with: ame jupyter lab"
                           : "No JupyterLab session is running. Start one with: ame jupyter lab")
        } else {
            host.write(Self.table(header: ["RUN", "STATUS", "PROJECT", "STARTED", embedded ? "URL" : "REACH IT WITH"], rows: rows))
        }
        return PluginOutcome(exitCode: 0, data: .array(items))
    }

    static func age(_ date: Date) -> String {
        let seconds = Int(Date().timeIntervalSince(date))
        switch seconds {
        case ..<60: return "\(max(0, seconds))s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86400)d ago"
        }
    }

    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// `ame jupyter attach`: a new tunnel to a running session (after `--detach`, or from
/// another terminal). Ctrl-C closes the tunnel; the session keeps running.
struct Attach: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Open a tunnel to a running JupyterLab session and print its URL.",
        discussion: "Ctrl-C closes the tunnel; the session keeps running until 'ame jupyter stop'.")

    @Argument(help: ArgumentHelp("The session's run (default: the one running in this project).", valueName: "run"),
              completion: AMECompletion.run)
    var id: String?

    @Option(help: ArgumentHelp("The local port of the URL (default: a free one).", valueName: "port"))
    var port: Int?

    @Flag(help: "Open the URL in a browser, when this machine has one.")
    var open = false

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
    }

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        var run = try await SessionControl.resolve(id, host: host, verb: "attach")
        guard !run.isFinished else {
            throw PluginFailure("JupyterLab session \(run.id) has ended (\(run.status))",
                                hint: "start a new one with 'ame jupyter lab'")
        }
        run = try await SessionControl.waitUntilServing(run.id, host: host, showSetup: false)
        guard let remotePort = SessionControl.servicePort(of: run) else {
            throw PluginFailure("run \(run.id) is running but reports no port")
        }
        let tunnel = try await host.openTunnel(runId: run.id, port: remotePort, localPort: port)
        let token = SessionStore().load(run.id)?.token
        let url = LabCommandLine.url(port: tunnel.localPort, token: token)
        host.print(url)
        if token == nil {
            host.log("this machine does not know the token of session \(run.id) (it was started elsewhere); JupyterLab will ask for it",
                     level: .warning)
        }
        host.log("Attached to JupyterLab (run \(run.id)). Ctrl-C closes the tunnel; 'ame jupyter stop \(run.id)' stops the session.")
        if open { SessionControl.openBrowser(url, host: host) }
        do {
            while true {
                try await Task.sleep(for: .seconds(1))
                let current = try await host.getRun(run.id)
                if current.isFinished {
                    // Stopped ('ame jupyter stop', or Ctrl-C in 'ame jupyter lab'): whoever
                    // stopped it brings its files back. Otherwise they are still to be fetched.
                    host.log(current.status == "cancelled"
                             ? "JupyterLab session \(run.id) was stopped; the tunnel is closed."
                             : "JupyterLab session \(run.id) has ended (\(current.status)); bring its files back with 'ame jupyter stop \(run.id)'")
                    return PluginOutcome(exitCode: 0, data: ["runId": .string(run.id), "status": .string(current.status)])
                }
            }
        } catch is CancellationError {
            host.log("Detached; JupyterLab keeps running (run \(run.id)).")
            return PluginOutcome(exitCode: 0, data: ["runId": .string(run.id), "url": .string(url)])
        }
    }
}

/// `ame jupyter stop`: ends a session and brings the notebooks and files changed in it back
/// into the project directory (when run there). Stopping an ended session only brings its
/// files back.
struct Stop: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a JupyterLab session and bring back the notebooks and files changed in it.",
        discussion: "Run it in the project's directory: that is where the files go.")

    @Argument(help: ArgumentHelp("The session's run (default: the one running in this project).", valueName: "run"),
              completion: AMECompletion.run)
    var id: String?

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let run = try await SessionControl.resolve(id, host: host, verb: "stop")
        if !run.isFinished { host.log("Stopping JupyterLab (run \(run.id))…") }
        // Once asked, the stop goes through even if Ctrl-C follows.
        let (ended, download, problem) = try await SessionControl.stop(run.id, calls: host.cleanup)
        if ended.isFinished { SessionStore().remove(run.id) }
        SessionControl.report(ended, download, problem, host: host)
        return PluginOutcome(exitCode: 0, data: SessionControl.data(ended, download))
    }
}
