import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame jupyter lab`: JupyterLab as a service run of the current project, a tunnel to it,
/// and a URL with a fresh token. Ctrl-C stops it and brings back what changed.
struct Lab: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Start JupyterLab on AME compute and print its URL (Ctrl-C stops it and brings the files back).",
        discussion: """
            JupyterLab runs as a service run of the project in the current directory, with the \
            project's files and Python environment (jupyterlab is added to it when the project \
            does not name it). The run uses the env, secrets, resources and Python settings of \
            the task given with --task, or of a task named 'jupyter' when ame.yaml has one. \
            The URL carries a fresh token; JupyterLab refuses requests without it.

            Ctrl-C stops the session and brings the notebooks and files changed in it back \
            into the project directory, as 'ame run' does. With --detach the command returns \
            once JupyterLab serves: on the embedded engine the URL reaches it directly; on a \
            server, reach it with 'ame jupyter attach RUN'. Stop it with 'ame jupyter stop RUN'.
            """)

    @Option(help: ArgumentHelp("CPUs for the session (2, 500m).", valueName: "cpu"))
    var cpu: String?

    @Option(help: ArgumentHelp("Memory for the session (16Gi).", valueName: "quantity"))
    var memory: String?

    @Option(help: ArgumentHelp("GPUs for the session.", valueName: "count"))
    var gpus: Int?

    @Option(help: ArgumentHelp("GPU memory the GPUs must have (24Gi).", valueName: "quantity"))
    var vram: String?

    @Option(help: ArgumentHelp("Container image (runs on Kubernetes).", valueName: "image"))
    var image: String?

    @Option(help: ArgumentHelp("Take env, secrets, resources and Python settings from this task.", valueName: "task"),
            completion: AMECompletion.task)
    var task: String?

    @Option(help: ArgumentHelp("The local port of the URL (default: a free one).", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("Stop the session after this long without a connection (30m, 2h).", valueName: "duration"))
    var idleTimeout: String?

    @Flag(help: "Return once JupyterLab serves; it keeps running until 'ame jupyter stop'.")
    var detach = false

    @Flag(help: "Open the URL in a browser, when this machine has one.")
    var open = false

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
        if let gpus, gpus < 0 { throw ValidationError("--gpus must be 0 or more") }
        if let idleTimeout, DurationText.seconds(idleTimeout) == nil {
            throw ValidationError("--idle-timeout takes a duration such as 30m, 2h or 3600")
        }
    }

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let embedded = host.context.server == "embedded"
        let project = try await host.project()
        guard let directory = project["directory"]?.stringValue else {
            throw PluginFailure("AME did not say where the project is")
        }
        let (taskName, taskSpec) = try chooseTask(in: project)
        // The project's environment is used as it is when it names jupyterlab itself, or
        // when the task builds none (then AME makes a venv holding just JupyterLab).
        let dependencies = taskSpec?["dependencies"]?.stringValue
        let pinned = dependencies != "none" && ProjectPins.namesJupyterLab(in: URL(fileURLWithPath: directory))
        if image != nil && embedded {
            host.log("--image applies to runs on Kubernetes; the embedded engine runs JupyterLab on this machine", level: .warning)
        }

        let token = LabCommandLine.freshToken()
        // Detached on the embedded engine, the URL reaches the service port itself, so the
        // port asked for is the service's.
        let servicePort = (detach && embedded) ? (port ?? 0) : 0
        let resources = PluginResources(cpu: cpu, memory: memory, gpus: gpus, vram: vram)
        let submitted = try await host.submitRun(RunSubmitParams(
            task: taskName, command: LabCommandLine.command,
            resources: resources.isEmpty ? nil : resources,
            ports: [PluginPort(port: servicePort, name: LabCommandLine.portName)],
            labels: LabCommandLine.kindLabel,
            secretEnv: [LabCommandLine.tokenVariable: token],
            extraPackages: pinned ? nil : ["jupyterlab"],
            image: image,
            idleTimeoutSeconds: idleTimeout.flatMap(DurationText.seconds)))
        let store = SessionStore()
        try? store.save(SessionStore.Session(runId: submitted.id, token: token, server: host.context.server,
                                             projectDirectory: directory, createdAt: Date()))
        host.log("Starting JupyterLab (run \(submitted.id))\(pinned ? "" : "; the first start installs it into the project's environment")…")

        // From here on, Ctrl-C stops the session (and brings its files back).
        let running: RunSummary
        do {
            running = try await SessionControl.waitUntilServing(submitted.id, host: host, showSetup: true)
        } catch is CancellationError {
            return try await stopAfterInterrupt(submitted.id, host: host)
        } catch {
            store.remove(submitted.id)
            throw error
        }
        guard let remotePort = SessionControl.servicePort(of: running) else {
            throw PluginFailure("run \(running.id) is running but reports no port")
        }

        if detach {
            return detached(running, remotePort: remotePort, token: token, embedded: embedded, host: host)
        }

        let tunnel: TunnelInfo
        do {
            tunnel = try await host.openTunnel(runId: running.id, port: remotePort, localPort: port)
        } catch is CancellationError {
            return try await stopAfterInterrupt(running.id, host: host)
        } catch {
            _ = try? await SessionControl.stop(running.id, calls: host.cleanup)
            store.remove(running.id)
            throw error
        }
        let url = LabCommandLine.url(port: tunnel.localPort, token: token)
        host.print(url)
        host.log("JupyterLab is serving (run \(running.id)). Press Ctrl-C to stop it and bring the notebooks and files changed in the session back.")
        if open { SessionControl.openBrowser(url, host: host) }

        // Until Ctrl-C, or until the session ends by itself (shut down from JupyterLab,
        // idle timeout, a crash).
        do {
            while true {
                try await Task.sleep(for: .seconds(1))
                let current = try await host.getRun(running.id)
                if current.isFinished { break }
            }
        } catch is CancellationError {
            return try await stopAfterInterrupt(running.id, host: host)
        }
        let (ended, download, problem) = try await SessionControl.stop(running.id, calls: host)
        store.remove(running.id)
        SessionControl.report(ended, download, problem, host: host)
        let exitCode: Int32 = ["succeeded", "cancelled"].contains(ended.status) ? 0 : (ended.exitCode ?? 1)
        return PluginOutcome(exitCode: exitCode == 0 ? 0 : max(1, exitCode), data: SessionControl.data(ended, download))
    }

    /// Ctrl-C: the session stops and its files come back; a deliberate stop ends with 0.
    func stopAfterInterrupt(_ id: String, host: AMEHost) async throws -> PluginOutcome {
        host.log("Stopping JupyterLab (run \(id))…")
        let (ended, download, problem) = try await SessionControl.stop(id, calls: host.cleanup)
        SessionStore().remove(id)
        SessionControl.report(ended, download, problem, host: host)
        return PluginOutcome(exitCode: 0, data: SessionControl.data(ended, download))
    }

    func detached(_ run: RunSummary, remotePort: Int, token: String, embedded: Bool, host: AMEHost) -> PluginOutcome {
        var data: [String: JSONValue] = ["runId": .string(run.id)]
        if embedded {
            // The service listens on this machine: its port is the URL's.
            let url = LabCommandLine.url(port: remotePort, token: token)
            host.print(url)
            host.log("JupyterLab is serving (run \(run.id)). Stop it and bring its files back with: ame jupyter stop \(run.id)")
            data["url"] = .string(url)
            data["port"] = .integer(Int64(remotePort))
        } else {
            // A tunnel lives as long as the command that opened it.
            host.print(run.id)
            host.log("JupyterLab is serving (run \(run.id)) on the server. Reach it with: ame jupyter attach \(run.id)")
            host.log("Stop it and bring its files back with: ame jupyter stop \(run.id)")
        }
        return PluginOutcome(exitCode: 0, data: .object(data))
    }

    /// `--task T`, else a task named `jupyter`, else an ad-hoc run named `jupyter`.
    func chooseTask(in project: JSONValue) throws -> (String, JSONValue?) {
        var tasks: [JSONValue] = []
        if case .array(let list)? = project["tasks"] { tasks = list }
        func spec(_ name: String) -> JSONValue? { tasks.first { $0["name"]?.stringValue == name } }
        let name = task ?? "jupyter"
        guard let found = spec(name) else {
            if let task {
                let names = tasks.compactMap { $0["name"]?.stringValue }
                throw PluginFailure("task '\(task)' is not in ame.yaml",
                                    hint: names.isEmpty ? "the project has no tasks" : "tasks: \(names.joined(separator: ", "))", exitCode: 64)
            }
            return (name, nil)
        }
        if let pipeline = found["pipeline"], pipeline != .null {
            throw PluginFailure("task '\(name)' is a pipeline; JupyterLab takes its settings from a single-command task",
                                hint: "choose another with --task", exitCode: 64)
        }
        return (name, found)
    }
}
