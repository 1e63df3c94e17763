import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow stop`: cancels the server's run. The store stays; `start` serves it again.
struct Stop: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the MLflow server (its runs are kept).")

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let store = ServerStateStore()
        guard var state = try store.load(), let runId = state.runId else {
            host.print("No MLflow server is running.")
            return PluginOutcome(exitCode: 0, data: .object(["stopped": .null]))
        }
        let run = try? await ServiceRun.get(runId, host: host)
        if let run, !ServiceRun.isFinished(run) {
            _ = try await host.cancelRun(runId)
            // Wait for the process to be gone, so a new start can take the same port.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if let current = try? await ServiceRun.get(runId, host: host), ServiceRun.isFinished(current) { break }
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        state.runId = nil
        try store.save(state)
        host.print("Stopped MLflow (run \(runId)). Its runs are kept: 'ame mlflow start' serves them again.")
        return PluginOutcome(exitCode: 0, data: .object(["stopped": .string(runId)]))
    }
}
