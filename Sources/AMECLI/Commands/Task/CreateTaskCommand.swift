import AMECore
import AMESystem
import ArgumentParser
import Foundation

/// `ame create task`: adds a task to ame.yaml without touching the rest of the file.
struct CreateTaskCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Add a task (one command or a pipeline) to ame.yaml.",
        discussion: """
            On a terminal, anything not given as a flag is asked for. Without a terminal, \
            give the name and --command (or --step for a pipeline).

            Examples:
              ame create task train --command 'python train.py' --cpu 2 --memory 8Gi
              ame create task main --step prepare='python prepare.py' --step train='python train.py' --gpus 1
            """)

    @Argument(help: "The task's name.")
    var name: String?

    @Option(name: [.short, .long], help: ArgumentHelp("The command to run.", valueName: "command"))
    var command: String?

    @Option(name: .long, help: ArgumentHelp("A pipeline step, in order (repeatable).", valueName: "name=command"))
    var step: [String] = []

    @Option(name: .long, help: ArgumentHelp("CPUs, e.g. 2 or 500m.", valueName: "quantity"))
    var cpu: String?

    @Option(name: .long, help: ArgumentHelp("Memory, e.g. 8Gi.", valueName: "quantity"))
    var memory: String?

    @Option(name: .long, help: ArgumentHelp("Scratch disk, e.g. 50Gi.", valueName: "quantity"))
    var storage: String?

    @Option(name: .long, help: ArgumentHelp("Number of GPUs.", valueName: "count"))
    var gpus: Int?

    @Option(name: .long, help: ArgumentHelp("Memory each GPU must have, e.g. 24Gi.", valueName: "quantity"))
    var vram: String?

    @Option(name: .long, help: ArgumentHelp("An environment variable (repeatable).", valueName: "key=value"))
    var env: [String] = []

    @Option(name: .long, help: ArgumentHelp("A secret to inject, as NAME or NAME:ENVKEY (repeatable).", valueName: "name[:envkey]"),
            completion: .custom(CompletionSources.secrets))
    var secret: [String] = []

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Print the created task as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let loader = try project.loader(in: context)
        let source = try loader.readSource()
        let current = ProjectFileDecoder(source: source, file: loader.displayPath).decode()
        guard let existing = current.project, current.errors.isEmpty else {
            context.terminal.errLine("ame.yaml has problems; fix them before adding a task:")
            throw DiagnosticsFailure(diagnostics: current.diagnostics, source: source)
        }
        let interactive = context.terminal.isInteractive && !json
        let existingNames = Set(existing.taskNames)

        var taskName = name
        if taskName == nil {
            guard interactive else { throw CLIError.missingFlag("the task NAME argument", what: "a task name") }
            taskName = try TaskWizard(prompter: context.prompter, existingNames: existingNames).taskName()
        }
        guard let taskName else { return }
        guard Names.isValidTaskName(taskName) else {
            throw CLIError("'\(taskName)' is not a valid task name",
                           hint: "use letters, digits, '.', '_' and '-', e.g. '\(Names.suggestedName(from: taskName))'", exitCode: 2)
        }
        if existingNames.contains(taskName) {
            let line = existing.locations["tasks.\(taskName)"]?.line ?? 0
            throw CLIError("a task named '\(taskName)' already exists in \(loader.displayPath) (line \(line))",
                           hint: "choose another name, or edit the existing task")
        }
        if command != nil && !step.isEmpty {
            throw CLIError("--command and --step cannot be used together",
                           hint: "a task runs one command (--command) or a pipeline of steps (--step)", exitCode: 2)
        }

        var task = TaskSpec(name: taskName)
        task.resources = Resources(
            cpu: try TaskFlagParsing.quantity(cpu, flag: "--cpu", isBytes: false),
            memory: try TaskFlagParsing.quantity(memory, flag: "--memory", isBytes: true),
            storage: try TaskFlagParsing.quantity(storage, flag: "--storage", isBytes: true),
            gpus: gpus,
            vram: try TaskFlagParsing.quantity(vram, flag: "--vram", isBytes: true))
        if let gpus, !(0...1024).contains(gpus) {
            throw CLIError("--gpus must be from 0 to 1024, not \(gpus)", exitCode: 2)
        }
        task.env = try TaskFlagParsing.env(env)
        task.secrets = try TaskFlagParsing.secrets(secret)
        if !step.isEmpty {
            task.pipeline = try TaskFlagParsing.steps(step)
        } else if let command {
            guard !command.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CLIError("--command is empty", hint: "give the command to run, e.g. --command 'python train.py'", exitCode: 2)
            }
            task.runCommand = command
        } else if interactive {
            task = try TaskWizard(prompter: context.prompter, existingNames: existingNames).build(name: taskName, seed: task)
        } else {
            throw CLIError.missingFlag("--command 'COMMAND' (or --step NAME='COMMAND' for a pipeline)", what: "the task's command")
        }

        let updated: String
        do {
            updated = try ProjectFileEditor(source: source).addingTask(task)
        } catch {
            throw CLIError("cannot add the task to \(loader.displayPath): \(error)")
        }
        // What is written must read back as exactly what was asked for.
        let check = ProjectFileDecoder(source: updated, file: loader.displayPath).decode()
        guard let reread = check.project, check.errors.isEmpty, let added = reread.task(named: taskName) else {
            context.terminal.errLine("internal error: the task AME built does not validate; nothing was written:")
            throw DiagnosticsFailure(diagnostics: check.diagnostics, source: updated)
        }
        guard added == task else {
            throw CLIError("internal error: the task did not read back as written; nothing was written",
                           hint: "please report this with the command you ran")
        }
        try AtomicFile.write(Data(updated.utf8), to: loader.location.file)
        if json {
            try JSONOutput.write(added, to: context.terminal)
        } else {
            let kind = added.pipeline.map { "pipeline of \($0.count) step\($0.count == 1 ? "" : "s")" } ?? "command"
            context.terminal.outLine("\(context.terminal.style.green("✓")) Added task '\(taskName)' (\(kind)) to \(loader.displayPath)")
        }
    }
}
