import AMECore
import AMEKubernetes
import AMESystem
import Foundation

/// `ame run`, as the user asked for it: the task, the project, and the flags. Kept apart from
/// `RunTaskCommand` (its ArgumentParser declaration) so that `ame run TASK`, the command
/// typed most, runs without building an ArgumentParser parser at all: that costs ~5 ms of
/// reflection at every start (see `AMEMain`).
struct RunInvocation: Sendable {
    var task: String?
    var file: String?
    var dir: String?
    var detach = false
    var env: [String] = []
    var local = false
    var json = false
    var dryRun: KubernetesDryRun.Target?
    var output: ManifestRenderer.Format = .yaml

    func run(context: CommandContext) async throws {
        let terminal = context.terminal
        Trace.mark("run: start")
        let loader = ProjectLoader(location: try ProjectLocation.find(file: file, directory: dir, context: context), context: context)
        let projectFile = try loader.load()
        Trace.mark("run: project read")
        let taskName = try chooseTask(in: projectFile, context: context)
        let overrides = try TaskFlagParsing.env(env)
        if dryRun != nil {
            // Only the local ame.yaml is read: nothing is uploaded or submitted.
            guard let spec = projectFile.task(named: taskName) else { return }
            let dryRun = KubernetesDryRun(settings: try KubernetesDryRun.settings(environment: context.environment),
                                          owner: JobsAPIConnector.localUser(context.environment))
            let objects = dryRun.objects(for: spec, project: projectFile.projectName, env: overrides)
            terminal.out(try ManifestRenderer.render(objects, as: output))
            return
        }
        let api = try context.jobsAPI(local: local)
        Trace.mark("run: engine open")

        let uploader = ProjectUploader(api: api, context: context)
        let upload = try await uploader.upload(directory: loader.location.directory)
        Trace.mark("run: uploaded")
        let projectFilePath = loader.location.file.path.hasPrefix(loader.location.directory.path + "/")
            ? String(loader.location.file.path.dropFirst(loader.location.directory.path.count + 1)) : ProjectFile.fileName
        let request = RunRequest(task: taskName, manifest: upload.manifest, projectFile: projectFilePath, env: overrides)
        let submitted: RunRecord
        do {
            submitted = try await api.submitRun(request)
            Trace.mark("run: submitted")
        } catch let error as APIError where error.code == .invalidProject {
            throw DiagnosticsFailure(diagnostics: error.diagnostics ?? [], source: try? loader.readSource())
        }

        // What the project was at submission, for files brought back later by 'ame pull'.
        let snapshots = RunSnapshots(context: context)
        if detach {
            snapshots.save(upload.manifest, runID: submitted.id)
            if json {
                try JSONOutput.write(submitted, to: terminal)
            } else {
                terminal.outLine(submitted.id)
                terminal.errLine("ame: run \(submitted.id) submitted (\(submitted.status.rawValue)); follow it with: ame logs \(submitted.id) -f")
                terminal.errLine("ame: once it ends, bring its files back with: ame pull \(submitted.id)")
            }
            return
        }
        let follower = RunFollower(api: api, context: context, labelSteps: terminal.stdoutIsTTY && submitted.steps.count > 1,
                                   stdoutToStderr: json, quietSetup: true)
        let outcome: RunFollower.Outcome
        do {
            outcome = try await follower.follow(submitted)
        } catch let detached as ExitStatus {
            // Detached (a second Ctrl-C): its files come back with 'ame pull'.
            snapshots.save(upload.manifest, runID: submitted.id)
            throw detached
        }
        guard case .finished(let finished, let failureShown) = outcome else { return }
        Trace.mark("run: log ended")

        let downloader = ArtifactDownloader(api: api, context: context)
        let report = try await downloader.download(runID: finished.id, into: loader.location.directory, snapshot: upload.manifest)
        Trace.mark("run: downloaded")
        if json {
            try JSONOutput.write(RunResult(run: finished, artifacts: report.written, conflicts: report.conflicts.map(\.savedAs)), to: terminal)
        } else {
            RunSummary.print(finished, report: report, terminal: terminal, reasonShown: failureShown)
        }
        let code = finished.exitCode ?? (finished.status == .succeeded ? 0 : 1)
        if code != 0 { throw ExitStatus(code) }
    }

    struct RunResult: Encodable {
        var run: RunRecord
        var artifacts: [String]
        var conflicts: [String]
    }

    private func chooseTask(in project: ProjectFile, context: CommandContext) throws -> String {
        let names = project.taskNames
        if let task {
            // Checked here, before anything is uploaded: a misspelled name costs no upload. The
            // engine checks again in what was uploaded, which is what runs.
            guard project.task(named: task) != nil else {
                let unknown = UnknownTask(task, in: ProjectFile.fileName, tasks: names)
                throw CLIError(unknown.message, hint: unknown.hint, exitCode: 2)
            }
            return task
        }
        guard !names.isEmpty else {
            throw CLIError("the project has no tasks", hint: "add one with 'ame create task NAME --command COMMAND'", exitCode: 2)
        }
        guard context.terminal.isInteractive else {
            throw CLIError("which task? give its name: ame run TASK", hint: "tasks: \(names.joined(separator: ", "))", exitCode: 2)
        }
        return try context.prompter.choose("Task to run", options: names)
    }
}
