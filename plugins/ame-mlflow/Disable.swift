import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow disable`: removes the project's MLflow hook; runs are no longer recorded.
struct Disable: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Stop recording this project's runs in MLflow.")

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let (hook, projectName) = try await ProjectHook.locate(host: host)
        let removed = try hook.remove()
        host.print(removed ? "Runs of \(projectName) are no longer recorded in MLflow (removed \(ProjectHook.hookPath))."
                           : "Runs of \(projectName) were not recorded in MLflow; nothing to do.")
        return PluginOutcome(exitCode: 0, data: .object(["removed": .bool(removed)]))
    }
}
