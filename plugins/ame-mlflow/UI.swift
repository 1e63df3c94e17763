import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow ui`: a tunnel to the server's UI, open until Ctrl-C.
struct UI: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "ui", abstract: "Open a tunnel to the MLflow UI and print its URL (Ctrl-C closes it).")

    @Option(help: ArgumentHelp("The local port of the URL (default: a free one).", valueName: "port"))
    var port: Int?

    @Flag(help: "Open the URL in a browser, when this machine has one.")
    var open = false

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
    }

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let connection = try await ServerConnection.open(host: host, localPort: port)
        var url = "http://127.0.0.1:\(connection.tunnel.localPort)/"
        if let experiment = (try? await ProjectHook.locate(host: host))?.0.current()?.experiment,
           let id = try? await connection.client.experimentID(named: experiment) {
            url += "#/experiments/\(id)"
        }
        host.print(url)
        host.log("The MLflow UI is at the URL above until Ctrl-C.")
        if open, let opener = Start.onPath("xdg-open") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [url]
            try? process.run()
        }
        do {
            // Until Ctrl-C, or until the server stops.
            while true {
                try await Task.sleep(for: .seconds(2))
                guard let runId = connection.state.runId else { break }
                if let run = try? await ServiceRun.get(runId, host: host), ServiceRun.isFinished(run) {
                    host.log("the MLflow server stopped", level: .warning)
                    return PluginOutcome(exitCode: 1)
                }
            }
        } catch is CancellationError {
            // Ctrl-C is how this command ends.
        }
        return PluginOutcome(exitCode: 0, data: .object(["url": .string(url)]))
    }
}
