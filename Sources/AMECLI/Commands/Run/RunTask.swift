import AMECore
import AMEKubernetes
import ArgumentParser
import AMESystem
import Foundation

/// `ame run TASK`: ship the project, run the task, stream its logs, bring back its files,
/// and exit with its exit code — as if it ran here.
struct RunTaskCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a task: stream its logs and bring back the files it produced.",
        discussion: """
            The project directory is uploaded (only files the engine does not have yet), the \
            task runs with the resources, env and secrets ame.yaml gives it, its output streams \
            here, and every file it created or changed lands back in the directory. The exit \
            code is the task's.

            Ctrl-C cancels the run; a second Ctrl-C detaches and prints how to re-attach.
            """)

    @Argument(help: ArgumentHelp("The task to run (asked for on a terminal when omitted).", valueName: "task"),
              completion: .custom(CompletionSources.tasks))
    var task: String?

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Submit the run and return at once; follow it with 'ame logs RUN -f'.")
    var detach = false

    @Option(name: .long, help: ArgumentHelp("Set an environment variable for the run (repeatable).", valueName: "key=value"))
    var env: [String] = []

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the finished run (or, with --detach, the submitted run) as JSON on stdout; logs go to stderr.")
    var json = false

    @Option(name: .customLong("dry-run"),
            help: ArgumentHelp("Submit nothing; print what would be created instead ('kubernetes': each step's Pod and its Secrets, values redacted).",
                               valueName: "kubernetes"))
    var dryRun: KubernetesDryRun.Target?

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The format of --dry-run output: yaml or json.", valueName: "format"))
    var output: ManifestRenderer.Format = .yaml

    func run(context: CommandContext) async throws {
        let terminal = context.terminal
        Trace.mark("run: start")
        let loader = try project.loader(in: context)
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

        if detach {
            if json {
                try JSONOutput.write(submitted, to: terminal)
            } else {
                terminal.outLine(submitted.id)
                terminal.errLine("ame: run \(submitted.id) submitted (\(submitted.status.rawValue)); follow it with: ame logs \(submitted.id) -f")
            }
            return
        }
        let follower = RunFollower(api: api, context: context, labelSteps: terminal.stdoutIsTTY && submitted.steps.count > 1,
                                   stdoutToStderr: json)
        let outcome = try await follower.follow(submitted)
        guard case .finished(let finished) = outcome else { return }
        Trace.mark("run: log ended")

        let downloader = ArtifactDownloader(api: api, context: context)
        let report = try await downloader.download(runID: finished.id, into: loader.location.directory, snapshot: upload.manifest)
        Trace.mark("run: downloaded")
        if json {
            try JSONOutput.write(RunResult(run: finished, artifacts: report.written, conflicts: report.conflicts.map(\.savedAs)), to: terminal)
        } else {
            RunSummary.print(finished, report: report, terminal: terminal)
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
            guard project.task(named: task) != nil else {
                let hint = Suggestion.closest(to: task, in: names).map { "did you mean '\($0)'?" }
                    ?? (names.isEmpty ? "add one with 'ame create task'" : "tasks: \(names.joined(separator: ", "))")
                throw CLIError("task '\(task)' is not in ame.yaml", hint: hint, exitCode: 2)
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
