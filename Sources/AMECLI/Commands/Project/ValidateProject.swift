import AMECore
import ArgumentParser
import Foundation

/// `ame validate`: every problem in ame.yaml at once, as file:line:column.
struct ValidateCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check ame.yaml and report every problem with its line and column.",
        discussion: "Exits 0 when the file is valid and 1 when it is not.")

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    struct Report: Encodable {
        var file: String
        var valid: Bool
        var errors: Int
        var warnings: Int
        var diagnostics: [Diagnostic]
        var project: ProjectFile?
    }

    func run(context: CommandContext) async throws {
        let loader = try project.loader(in: context)
        let (source, result) = try loader.decode()
        let errors = result.errors.count
        if json {
            let report = Report(file: loader.displayPath, valid: result.isValid, errors: errors,
                                warnings: result.diagnostics.count - errors, diagnostics: result.diagnostics,
                                project: result.isValid ? result.project : nil)
            try JSONOutput.write(report, to: context.terminal)
            if !result.isValid { throw ExitStatus(1) }
            return
        }
        guard result.isValid, let parsed = result.project else {
            throw DiagnosticsFailure(diagnostics: result.diagnostics, source: source)
        }
        DiagnosticsFailure(diagnostics: result.diagnostics, source: source).render(to: context.terminal)
        let style = context.terminal.style
        let taskCount = parsed.tasks.count
        var summary = "\(style.green("✓")) \(loader.displayPath) is valid: project '\(parsed.projectName)', \(taskCount) task\(taskCount == 1 ? "" : "s")"
        if !parsed.recurringTasks.isEmpty {
            summary += ", \(parsed.recurringTasks.count) schedule\(parsed.recurringTasks.count == 1 ? "" : "s")"
        }
        context.terminal.outLine(summary)
    }
}
