import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow runs`: the experiment's runs from MLflow's REST API, with their metrics.
struct Runs: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List the MLflow runs of this project's experiment.")

    @Option(help: ArgumentHelp("Only runs of this task.", valueName: "task"), completion: AMECompletion.task)
    var task: String?

    @Option(help: ArgumentHelp("The experiment (default: the one 'ame mlflow enable' chose, else the project's name).", valueName: "name"))
    var experiment: String?

    @Option(help: ArgumentHelp("At most this many runs, newest first.", valueName: "count"))
    var limit: Int = 100

    @Flag(help: "Print the runs as MLflow's REST API returns them.")
    var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run(host: AMEHost) async throws -> PluginOutcome {
        let name: String
        if let experiment {
            name = experiment
        } else {
            let located: (ProjectHook, projectName: String)
            do {
                located = try await ProjectHook.locate(host: host)
            } catch {
                throw PluginFailure("which experiment? there is no project here", hint: "run it in a project, or pass --experiment NAME")
            }
            name = located.0.current()?.experiment ?? located.projectName
        }
        let connection = try await ServerConnection.open(host: host)
        let runs: [JSONValue]
        let experimentID = try await connection.client.experimentID(named: name)
        if let experimentID {
            runs = try await connection.client.searchRuns(experimentID: experimentID, task: task, limit: limit)
        } else {
            runs = []
        }
        let data: JSONValue = .object([
            "experiment": .string(name),
            "experimentId": experimentID.map(JSONValue.string) ?? .null,
            "runs": .array(runs),
        ])
        if json {
            if host.context.output != "json" { host.print(String(decoding: JSONWriter.write(data), as: UTF8.self)) }
        } else if runs.isEmpty {
            host.print(experimentID == nil ? "MLflow has no experiment '\(name)' yet." : "No runs in experiment '\(name)'\(task.map { " for task '\($0)'" } ?? "").")
        } else {
            host.print(RunTable.render(runs))
        }
        return PluginOutcome(exitCode: 0, data: data)
    }
}
