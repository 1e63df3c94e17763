import AMECore
import ArgumentParser
import Foundation

/// `ame secret set NAME`: the value comes from a hidden prompt or stdin, never argv (where
/// it would land in shell history and `ps`).
struct SetSecretCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set a secret; the value is read from a hidden prompt or from stdin.",
        discussion: "Example: echo -n \"$TOKEN\" | ame secret set hf_token")

    @Argument(help: "The secret's name, as ame.yaml refers to it.", completion: .custom(CompletionSources.secrets))
    var name: String

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        guard Names.isValidSecretName(name) else {
            throw CLIError("'\(name)' is not a valid secret name", hint: "use letters, digits, '.', '_' and '-'", exitCode: 2)
        }
        let terminal = context.terminal
        var value: Data
        if terminal.stdinIsTTY {
            guard let typed = terminal.readLine(prompt: "Value for secret '\(name)' (hidden): ", hidden: true) else {
                throw CLIError("no value was entered")
            }
            value = Data(typed.utf8)
        } else {
            value = terminal.readAllInput()
            // `echo value | ame secret set` adds a newline nobody meant as part of the value.
            if value.last == 0x0A { value.removeLast() }
            if value.last == 0x0D { value.removeLast() }
        }
        guard !value.isEmpty else {
            throw CLIError("the value is empty", hint: "pipe the value in (echo -n VALUE | ame secret set \(name)) or type it at the prompt")
        }
        let api = try context.jobsAPI(local: local)
        try await api.setSecret(name, value: value)
        if json {
            try JSONOutput.write(["name": name, "status": "set"], to: terminal)
        } else {
            terminal.outLine("\(terminal.style.green("✓")) Secret '\(name)' set (\(value.count) bytes).")
        }
    }
}
