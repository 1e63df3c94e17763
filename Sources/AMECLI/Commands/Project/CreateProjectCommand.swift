import AMECore
import AMESystem
import ArgumentParser
import Foundation

/// `ame create project`: a minimal ame.yaml in the project directory.
struct CreateProjectCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Create ame.yaml for a project in this directory.")

    @Argument(help: "The project name (default: the directory's name).")
    var name: String?

    @Option(name: .long, help: ArgumentHelp("The project directory (default: the current one).", valueName: "dir"),
            completion: .directory)
    var dir: String?

    @Flag(name: .long, help: "Overwrite an existing ame.yaml.")
    var force = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    struct Created: Encodable {
        var file: String
        var projectName: String
    }

    func run(context: CommandContext) async throws {
        let directory = dir.map(context.resolve) ?? context.workingDirectory
        let file = directory.appendingPathComponent(ProjectFile.fileName)
        if FileManager.default.fileExists(atPath: file.path) && !force {
            throw CLIError("\(file.path) already exists", hint: "pass --force to replace it, or 'ame create task' to add a task to it")
        }
        let fallback = Names.suggestedName(from: directory.lastPathComponent)
        var projectName = name ?? fallback
        if name == nil && context.terminal.isInteractive && !json {
            projectName = try context.prompter.ask("Project name", default: fallback) { answer in
                Names.isValidProjectName(answer) ? nil : "use letters, digits, '.', '_' and '-' (at most 63)"
            }
        }
        guard Names.isValidProjectName(projectName) else {
            throw CLIError("'\(projectName)' is not a valid project name",
                           hint: "use letters, digits, '.', '_' and '-', e.g. '\(Names.suggestedName(from: projectName))'", exitCode: 2)
        }
        let source = ProjectFileEditor.newProject(name: projectName)
        // The file we write must be one we accept.
        _ = try ProjectFile.parse(source, file: file.path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Data(source.utf8), to: file)
        if json {
            try JSONOutput.write(Created(file: file.path, projectName: projectName), to: context.terminal)
        } else {
            context.terminal.outLine("\(context.terminal.style.green("✓")) Created \(file.path) for project '\(projectName)'")
            context.terminal.outLine("  Next: ame create task train --command 'python train.py'")
        }
    }
}
