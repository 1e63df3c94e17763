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
        try await invocation.run(context: context)
    }

    /// What was asked, without ArgumentParser's types.
    var invocation: RunInvocation {
        RunInvocation(task: task, file: project.file, dir: project.dir, detach: detach, env: env, local: local, json: json,
                      dryRun: dryRun, output: output)
    }
}
