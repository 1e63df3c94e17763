import AMECore
import AMEEngine
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame agent exec`, the main container's process: prepares the Python environment the way
/// the local executor does, runs the command in the workspace, uploads the files it created
/// or changed, and reports through the termination message (`AgentResult`). Its exit code
/// is the command's, so Kubernetes shows it too.
public struct PodAgentExec: Sendable {
    public var api: any JobsAPI
    public var agentDirectory: URL
    public var workspace: URL
    /// The termination message file (`terminationMessagePath`).
    public var resultFile: URL
    public var python: String?
    public var dependencies: DependencyManager?
    /// `installer:` of the task (nil: uv).
    public var installer: PackageInstaller?
    /// The run's extra requirements (`jupyterlab` for a notebook session), installed after
    /// the project's own, as on the local executor.
    public var extraPackages: [String]
    public var command: String
    /// The container's environment (the command gets it minus the agent's token).
    public var environment: [String: String]
    /// Python environments and tools (an emptyDir unless the cluster mounts a cache).
    public var cacheDirectory: URL
    /// Where the agent's own lines go (the container's output, so they are in the log).
    public var output: @Sendable (Data) -> Void

    public init(api: any JobsAPI, agentDirectory: URL, workspace: URL, resultFile: URL, python: String?, dependencies: DependencyManager?,
                installer: PackageInstaller? = nil, extraPackages: [String] = [], command: String, environment: [String: String], cacheDirectory: URL, output: @escaping @Sendable (Data) -> Void) {
        self.api = api
        self.agentDirectory = agentDirectory
        self.workspace = workspace
        self.resultFile = resultFile
        self.python = python
        self.dependencies = dependencies
        self.installer = installer
        self.extraPackages = extraPackages
        self.command = command
        self.environment = environment
        self.cacheDirectory = cacheDirectory
        self.output = output
    }

    /// Variables of the container the command must not see.
    public static let withheld: Set<String> = ["AME_TOKEN", "AME_ADMIN_TOKEN", "AME_SERVER", "VIRTUAL_ENV", "PYTHONHOME", "CONDA_PREFIX"]

    /// Runs the step and returns the exit code the container should end with.
    public func run(terminate: CancelHandle) async -> Int32 {
        let manifest: Manifest
        let stamps: [String: FileStamp]
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: PodAgentInit.manifestPath(agentDirectory: agentDirectory)))
            stamps = try WorkspaceChanges.captureStamps(workspace: workspace, manifest: manifest)
        } catch {
            return report(AgentResult(stage: .workspace, exitCode: 1, error: "the project files are not in \(workspace.path) (did the init container run?): \(error)"))
        }

        var commandEnvironment = environment.filter { !Self.withheld.contains($0.key) }
        if commandEnvironment["PATH"] == nil { commandEnvironment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        if dependencies != DependencyManager.none || !extraPackages.isEmpty {
            do {
                let catalog = await PythonInterpreterCatalog.discover(environment: commandEnvironment)
                if let plan = try PythonEnvironmentPlanner.plan(projectDirectory: workspace, python: python, dependencies: dependencies, catalog: catalog,
                                                                 extraPackages: extraPackages, installer: installer) {
                    say("\(plan.description)\n")
                    let layout = EngineLayout(dataDirectory: agentDirectory.appendingPathComponent("data"), cacheDirectory: cacheDirectory)
                    let builder = PythonEnvironmentBuilder(layout: layout, environment: commandEnvironment)
                    let prepared = try await builder.prepare(plan, projectDirectory: workspace) { data in output(data) }
                    say("\(prepared.description)\n")
                    commandEnvironment = prepared.applied(to: commandEnvironment)
                }
            } catch {
                return report(AgentResult(stage: .environment, exitCode: 1, error: "could not prepare the Python environment: \(error)"))
            }
        }

        let oomKillsBefore = Self.oomKills()
        var configuration = ChildProcess.Configuration(executable: "/bin/sh", arguments: ["-c", command],
                                                       environment: commandEnvironment, workingDirectory: workspace.path)
        configuration.standardOutput = .inherit
        configuration.standardError = .inherit
        configuration.newSession = true
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            return report(AgentResult(stage: .command, exitCode: 127, error: "cannot start /bin/sh in the image: \(error)"))
        }
        // SIGTERM to the container (a cancel, a deadline) goes to the whole command.
        terminate.onSignal { ProcessTable.killSession(child.pid, signal: SIGTERM) }
        let status = await child.waitForExit()
        ProcessTable.killSession(child.pid)
        var result = AgentResult(stage: .command, exitCode: status.exitCode)
        if case .signaled(let signal) = status {
            result.signal = String(TerminationStatus.signalName(signal).dropFirst(3))
            if signal == SIGKILL, let before = oomKillsBefore, let after = Self.oomKills(), after > before {
                result.outOfMemory = true
            }
        }

        do {
            let (digest, count) = try await uploadOutputs(baseline: manifest, stamps: stamps)
            result.outputs = digest
            result.files = count
            if count > 0 { say("uploaded \(count) file\(count == 1 ? "" : "s") the step created or changed\n") }
        } catch {
            result.error = "could not upload the files the step produced: \(error)"
        }
        return report(result)
    }

    /// Uploads what the command created or changed (only blobs the server lacks) and the
    /// manifest of them; nil when nothing changed.
    private func uploadOutputs(baseline: Manifest, stamps: [String: FileStamp]) async throws -> (Digest?, Int) {
        let changed = try WorkspaceChanges.collect(workspace: workspace, baseline: baseline, stamps: stamps, globs: [])
        guard !changed.isEmpty else { return (nil, 0) }
        var paths: [Digest: String] = [:]
        for entry in changed { if let digest = entry.digest, paths[digest] == nil { paths[digest] = entry.path } }
        let missing = try await api.missingBlobs(Array(paths.keys))
        for digest in missing {
            guard let path = paths[digest] else { continue }
            try await api.uploadBlob(digest, from: workspace.appendingPathComponent(path))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Manifest(entries: changed))
        let file = agentDirectory.appendingPathComponent("state/outputs.json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        let digest = try BlobStore.hash(fileAt: file).digest
        try await api.uploadBlob(digest, from: file)
        return (digest, changed.count)
    }

    /// Writes the result where Kubernetes reads the termination message, and returns the
    /// exit code to end with.
    private func report(_ result: AgentResult) -> Int32 {
        if let error = result.error, result.stage != .command { say("ame agent: \(error)\n") }
        var result = result
        var data = (try? JSONEncoder().encode(result)) ?? Data()
        if data.count > AgentResult.maximumSize {
            result.error = result.error.map { String($0.prefix(500)) }
            data = (try? JSONEncoder().encode(result)) ?? Data()
        }
        try? data.write(to: resultFile)
        return result.exitCode
    }

    private func say(_ text: String) {
        output(Data(text.utf8))
    }

    /// OOM kills the container's memory cgroup has counted (v2 `memory.events`, or v1
    /// `memory.oom_control`); nil when neither can be read.
    static func oomKills() -> Int? {
        for (path, key) in [("/sys/fs/cgroup/memory.events", "oom_kill"), ("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill")] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == key, let count = Int(parts[1]) { return count }
            }
        }
        return nil
    }
}

/// Lets a signal handler reach work that has not started yet (the command's session).
public final class CancelHandle: Sendable {
    private let signal = CancelSignal()

    public init() {}

    public func fire() { signal.fire() }

    public func onSignal(_ handler: @escaping @Sendable () -> Void) { signal.onFire(handler) }
}
