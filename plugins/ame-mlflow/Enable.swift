import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow enable`: the project's runs are recorded from now on. Writes the project's
/// run hook (.ame/hooks/mlflow.json and its wrapper), which AME applies to every run.
struct Enable: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Record every run of this project in MLflow.",
        discussion: """
            Writes .ame/hooks/mlflow.json and .ame/hooks/ame_mlflow_run.py into the project. \
            Every run then gets MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_NAME, and each step \
            becomes an MLflow run tagged with the AME run id and task (MLFLOW_RUN_ID names it, \
            so mlflow.log_metric() in the code logs into it). Commit the two files to share \
            the setting; 'ame mlflow disable' removes them.
            """)

    @Option(help: ArgumentHelp("The MLflow experiment (default: the project's name).", valueName: "name"))
    var experiment: String?

    @Option(help: ArgumentHelp("Record in this MLflow server instead of the one 'ame mlflow start' runs.", valueName: "URL"))
    var trackingUri: String?

    func validate() throws {
        if let experiment, experiment.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--experiment must not be empty") }
        if let trackingUri, !(trackingUri.hasPrefix("http://") || trackingUri.hasPrefix("https://")) {
            throw ValidationError("--tracking-uri must be an http:// or https:// URL")
        }
    }

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let (hook, projectName) = try await ProjectHook.locate(host: host)
        let state = try ServerStateStore().load()
        guard let uri = trackingUri ?? state?.trackingURI else {
            throw PluginFailure("no MLflow server has been started here", hint: "run 'ame mlflow start' first, or pass --tracking-uri URL")
        }
        let name = experiment ?? projectName
        var experimentID: String?
        if trackingUri == nil, state?.runId != nil {
            // Make the experiment now: it shows up in the UI before the first run, and a
            // server that cannot be reached is reported here rather than in every run.
            do {
                let connection = try await ServerConnection.open(host: host)
                experimentID = try await connection.client.createExperiment(named: name)
            } catch let failure as PluginFailure {
                host.log("\(failure.message); runs will create the experiment themselves", level: .warning)
            } catch {
                host.log("could not create the experiment now (\(error)); runs will create it themselves", level: .warning)
            }
        }
        try hook.write(trackingURI: uri, experiment: name)
        host.print("Runs of \(projectName) are recorded in MLflow experiment '\(name)' at \(uri).")
        host.print("The setting is \(ProjectHook.hookPath) (with \(ProjectHook.wrapperPath)); 'ame mlflow disable' removes it.")
        return PluginOutcome(exitCode: 0, data: .object([
            "experiment": .string(name),
            "experimentId": experimentID.map(JSONValue.string) ?? .null,
            "trackingUri": .string(uri),
            "hook": .string(hook.hookFile.path),
        ]))
    }
}
