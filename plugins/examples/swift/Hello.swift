import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame hello`: the Swift example plugin. Copy this folder to start a plugin of your own;
/// every command shows one part of the protocol.
struct Hello: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hello",
        abstract: "Example plugin (Swift): greet, read the project, submit a run.",
        subcommands: [Greet.self, ShowProject.self, Submit.self, Fail.self],
        defaultSubcommand: Greet.self)
}

/// Output: text for the user's stdout travels as `output` notifications.
struct Greet: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "greet", abstract: "Print a greeting.")

    /// Completion: `dynamic` values come from this closure, which AME runs in the plugin
    /// through the `complete` request when the user presses Tab.
    @Option(name: .shortAndLong, help: "Who to greet.",
            completion: AMECompletion.dynamic { _, _, prefix in Greet.famousNames.filter { $0.hasPrefix(prefix) } })
    var name = "world"

    static let famousNames = ["Ada", "Alan", "Grace", "world"]

    @Flag(help: "Greet loudly.")
    var shout = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        let greeting = "Hello, \(name)!"
        host.print(shout ? greeting.uppercased() : greeting)
        return PluginOutcome(exitCode: 0, data: ["greeting": .string(greeting)])
    }
}

/// `project.get`: AME parses and validates ame.yaml; the plugin gets the result.
struct ShowProject: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "project", abstract: "Show the project's name and tasks.")

    func run(host: AMEHost) async throws -> PluginOutcome {
        let project = try await host.project()
        let name = project["projectName"]?.stringValue ?? "?"
        var tasks: [String] = []
        if case .array(let list)? = project["tasks"] {
            tasks = list.compactMap { $0["name"]?.stringValue }
        }
        host.print("project \(name): \(tasks.joined(separator: ", "))")
        return PluginOutcome(exitCode: 0, data: ["projectName": .string(name)])
    }
}

/// `run.submit`, `run.logs`: AME uploads the project and starts the run with the user's
/// connection; the plugin never sees a token.
struct Submit: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Run a task of the project and report its exit code.")

    @Argument(help: "The task to run.", completion: AMECompletion.task)
    var task: String

    func run(host: AMEHost) async throws -> PluginOutcome {
        let run = try await host.submitRun(RunSubmitParams(task: task))
        host.log("submitted run \(run.id)")
        let end = try await host.logs(run.id, follow: true) { chunk in
            if chunk.kind == "stdout" { host.write(chunk.text) }
        }
        var exitCode = end.exitCode ?? 1
        if end.exitCode == nil, let reported = try await host.getRun(run.id).exitCode { exitCode = reported }
        host.print("run \(run.id) of task \(task) finished with exit code \(exitCode)")
        return PluginOutcome(exitCode: exitCode, data: ["runId": .string(run.id), "exitCode": .integer(Int64(exitCode))])
    }
}

/// Errors: a message and a hint, and the exit status `ame` ends with.
struct Fail: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "fail", abstract: "Fail on purpose (shows how errors look).")

    func run(host: AMEHost) async throws -> PluginOutcome {
        throw PluginFailure("this command always fails", hint: "that is its purpose", exitCode: 3)
    }
}

@main
enum Main {
    static func main() async {
        await PluginRuntime.main(Hello.self, about: PluginAbout(version: "1.0.0", vendor: "AME examples"))
    }
}
