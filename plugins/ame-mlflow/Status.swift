import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow status`: the server's run, port and store, and whether this project records.
struct Status: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the MLflow server and whether this project records its runs.")

    @Flag(help: "Print JSON.")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        let state = try ServerStateStore().load()
        var status = "stopped"
        if let runId = state?.runId, let run = try? await ServiceRun.get(runId, host: host) {
            status = run["status"]?.stringValue ?? "unknown"
        }
        let hook = (try? await ProjectHook.locate(host: host))?.0.current()
        let data: JSONValue = .object([
            "status": .string(status),
            "runId": state?.runId.map(JSONValue.string) ?? .null,
            "port": state.map { .integer(Int64($0.port)) } ?? .null,
            "trackingUri": state.map { .string($0.trackingURI) } ?? .null,
            "backendStore": state.map { .string($0.backendStore) } ?? .null,
            "projectEnabled": .bool(hook != nil),
            "experiment": hook.map { .string($0.experiment) } ?? .null,
        ])
        if json {
            if host.context.output != "json" { host.print(String(decoding: JSONWriter.write(data), as: UTF8.self)) }
        } else if let state {
            host.print("MLflow: \(status)\(state.runId.map { " (run \($0))" } ?? "") at \(state.trackingURI), store: \(state.backendStore)")
            host.print(hook.map { "This project records its runs in experiment '\($0.experiment)'." }
                       ?? "This project does not record its runs ('ame mlflow enable' turns it on).")
        } else {
            host.print("MLflow has not been started here ('ame mlflow start').")
        }
        return PluginOutcome(exitCode: 0, data: data)
    }
}
