import ArgumentParser
import Foundation

/// `ame plugin test PATH`: the conformance checks, against any plugin file.
struct TestPluginCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check that a plugin follows the protocol, and print what fails.")

    @Argument(help: ArgumentHelp("The plugin's file (ame-NAME).", valueName: "path"), completion: .file())
    var path: String

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    struct Report: Encodable {
        var path: String
        var passed: Bool
        var checks: [PluginConformance.Check]
    }

    func run(context: CommandContext) async throws {
        let file = context.resolve(path).path
        let checks = await PluginConformance(path: file, environment: PluginEnvironment.forHandshake(context: context),
                                             workingDirectory: context.workingDirectory.path).run()
        let passed = checks.allSatisfy(\.passed)
        let terminal = context.terminal
        if json {
            try JSONOutput.write(Report(path: file, passed: passed, checks: checks), to: terminal)
        } else {
            let style = terminal.style
            terminal.outLine("Testing \(file)")
            for check in checks {
                let mark = check.passed ? style.green("✓") : style.red("✗")
                terminal.outLine("  \(mark) \(check.name): \(check.detail)")
            }
            let failed = checks.filter { !$0.passed }.count
            terminal.outLine(failed == 0 ? "All \(checks.count) checks passed." : "\(failed) of \(checks.count) checks failed.")
        }
        if !passed { throw ExitStatus(1) }
    }
}
