import AMEPluginKit
import Foundation

/// The host calls stopping a session needs, from the host itself or from its `cleanup`
/// (which still works after Ctrl-C).
protocol StopCalls: Sendable {
    func getRun(_ id: String) async throws -> RunSummary
    func cancelRun(_ id: String) async throws -> RunSummary
    func downloadArtifacts(runId: String) async throws -> ArtifactsDownloadResult
}

extension AMEHost: StopCalls {}
extension AMEHostCleanup: StopCalls {}

/// What the commands share: finding a session, waiting for it to serve, stopping it and
/// bringing its files back.
enum SessionControl {
    static let labels = ["plugin": "jupyter"]

    static var stderr: FileHandle { FileHandle.standardError }

    static func note(_ text: String) {
        stderr.write(Data((text + "\n").utf8))
    }

    /// The service port of a started run (the real one: a port asked for as 0 is filled in
    /// when the run starts).
    static func servicePort(of run: RunSummary) -> Int? {
        let ports = run.ports ?? []
        return (ports.first { $0.name == LabCommandLine.portName } ?? ports.first).map(\.port).flatMap { $0 > 0 ? $0 : nil }
    }

    static func isJupyter(_ run: RunSummary) -> Bool {
        run.labels?["plugin"] == "jupyter"
    }

    /// The run `id` names, or — without an id — the one active session of this project
    /// (or of this user, outside a project).
    static func resolve(_ id: String?, host: AMEHost, verb: String) async throws -> RunSummary {
        if let id {
            let run = try await host.getRun(id)
            guard isJupyter(run) else {
                throw PluginFailure("run \(run.id) is not a JupyterLab session (it runs task '\(run.task)')",
                                    hint: "list sessions with 'ame jupyter list'")
            }
            return run
        }
        let project: String? = (try? await host.project())?["projectName"]?.stringValue
        let active = try await host.listRuns(RunListParams(labels: labels, active: true, project: project, limit: 20))
        switch active.count {
        case 0:
            throw PluginFailure("no JupyterLab session is running\(project.map { " in project '\($0)'" } ?? "")",
                                hint: "start one with 'ame jupyter lab'")
        case 1:
            return active[0]
        default:
            throw PluginFailure("\(active.count) JupyterLab sessions are running; say which one to \(verb)",
                                hint: "ame jupyter \(verb) \(active[0].id)   (see them all with 'ame jupyter list')")
        }
    }

    /// Polls the run until it serves (status `running`: its port accepts connections),
    /// showing how the environment is prepared; fails with the end of its log when the run
    /// ends first.
    static func waitUntilServing(_ id: String, host: AMEHost, showSetup: Bool) async throws -> RunSummary {
        var offset: Int64 = 0
        var tail: [String] = []
        var lastReason: String?
        while true {
            let run = try await host.getRun(id)
            // Everything logged so far (no follow: this returns at once).
            let chunks = LockedChunks()
            let end = try await host.logs(id, from: offset, follow: false) { chunk in chunks.append(chunk) }
            offset = end.next
            for chunk in chunks.all {
                let lines = chunk.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(chunk.text.hasSuffix("\n") ? 1 : 0)
                tail = Array((tail + lines.map(String.init)).suffix(40))
                if showSetup && (chunk.kind == "setup" || chunk.kind == "system") {
                    stderr.write(Data(chunk.text.utf8))
                }
            }
            if run.status == "running" && servicePort(of: run) != nil { return run }
            if run.isFinished {
                if !tail.isEmpty {
                    note("--- the end of the log of run \(id) ---")
                    note(tail.joined(separator: "\n"))
                    note("---")
                }
                throw PluginFailure("JupyterLab stopped before it was ready: run \(id) \(run.status)\(run.reason.map { ": \($0)" } ?? "")",
                                    hint: "see the whole log with 'ame logs \(id)'")
            }
            if showSetup, run.status == "queued", let reason = run.reason, reason != lastReason {
                note("ame jupyter: \(reason)")
                lastReason = reason
            }
            try await Task.sleep(for: .milliseconds(400))
        }
    }

    /// Cancels the run (when it still runs), waits for it to end, and brings the notebooks
    /// and files changed in the session back into the project directory.
    static func stop(_ id: String, calls: some StopCalls) async throws -> (RunSummary, ArtifactsDownloadResult?, String?) {
        var run = try await calls.getRun(id)
        if !run.isFinished {
            run = try await calls.cancelRun(id)
            let deadline = ContinuousClock.now + .seconds(120)
            while !run.isFinished && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(200))
                run = try await calls.getRun(id)
            }
        }
        guard run.isFinished else {
            return (run, nil, "run \(id) has not stopped yet (\(run.status)); bring its files back later with 'ame jupyter stop \(id)'")
        }
        do {
            return (run, try await calls.downloadArtifacts(runId: id), nil)
        } catch let error as RPCError {
            return (run, nil, "its files were not brought back: \(error.message)\(error.hint.map { " (\($0))" } ?? "")")
        }
    }

    /// The closing lines: what came back, what conflicted.
    static func report(_ run: RunSummary, _ download: ArtifactsDownloadResult?, _ problem: String?, host: AMEHost) {
        let how: String
        switch run.status {
        case "cancelled": how = "stopped"
        case "succeeded": how = "ended"
        default: how = "ended (\(run.status)\(run.reason.map { ": \($0)" } ?? ""))"
        }
        host.log("JupyterLab session \(run.id) \(how).")
        if let download {
            if !download.written.isEmpty {
                let names = download.written.prefix(8).joined(separator: ", ") + (download.written.count > 8 ? ", …" : "")
                host.log("  \(download.written.count) file\(download.written.count == 1 ? "" : "s") brought back: \(names)")
            } else if download.conflicts.isEmpty {
                host.log("  no files changed in the session")
            }
            for conflict in download.conflicts {
                host.log("  \(conflict.path) changed here during the session; the session's version is in \(conflict.savedAs)", level: .warning)
            }
            for skipped in download.skipped { host.log("  \(skipped)", level: .warning) }
        }
        if let problem { host.log(problem, level: .warning) }
    }

    /// JSON `data` for a finished session.
    static func data(_ run: RunSummary, _ download: ArtifactsDownloadResult?) -> JSONValue {
        var object: [String: JSONValue] = ["runId": .string(run.id), "status": .string(run.status)]
        if let download {
            object["written"] = .array(download.written.map(JSONValue.string))
            object["conflicts"] = .array(download.conflicts.map { .string($0.savedAs) })
        }
        return .object(object)
    }

    /// Opens `url` in the user's browser when there is one; says so when there is not.
    static func openBrowser(_ url: String, host: AMEHost) {
        let environment = ProcessInfo.processInfo.environment
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        func find(_ name: String) -> String? {
            if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
            return path.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        let candidates = (environment["BROWSER"].map { [$0] } ?? []) + ["xdg-open", "sensible-browser", "x-www-browser", "www-browser"]
        guard let browser = candidates.lazy.compactMap(find).first else {
            host.log("no browser found on this machine; open the URL yourself", level: .warning)
            return
        }
        let process = Process()
        // In a session of its own, so a browser it starts outlives this command.
        if let setsid = find("setsid") {
            process.executableURL = URL(fileURLWithPath: setsid)
            process.arguments = [browser, url]
        } else {
            process.executableURL = URL(fileURLWithPath: browser)
            process.arguments = [url]
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            host.log("could not start \(browser): \(error)", level: .warning)
        }
    }
}

/// Log chunks collected from a callback.
final class LockedChunks: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [RunLogNotification] = []

    func append(_ chunk: RunLogNotification) { lock.withLock { chunks.append(chunk) } }
    var all: [RunLogNotification] { lock.withLock { chunks } }
}
