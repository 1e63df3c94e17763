import AMECore
import AMESystem
import ArgumentParser
import Foundation

/// `ame port-forward RUN PORT`: reach a service run's port from this machine.
struct PortForwardCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "port-forward",
        abstract: "Forward a local port to a service run's port (Jupyter, MLflow, your own server).",
        discussion: "Runs until Ctrl-C. Several connections at once; works for runs on a server too.")

    @Argument(help: "The service run.", completion: .custom(CompletionSources.runs))
    var run: String

    @Argument(help: "The run's port.")
    var port: Int

    @Option(name: .long, help: "The local port (default: a free one).")
    var localPort: Int = 0

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the local address as JSON once listening.")
    var json = false

    func run(context: CommandContext) async throws {
        guard (0...65535).contains(localPort) else { throw CLIError("--local-port must be from 0 to 65535", exitCode: 2) }
        let api = try context.jobsAPI(local: local)
        let record = try await api.getRun(run)
        guard record.ports.contains(where: { $0.port == port }) else {
            throw CLIError("run \(record.id) has no port \(port)",
                           hint: record.ports.isEmpty ? "it is not a service run" : "its ports: \(record.ports.map { String($0.port) }.joined(separator: ", "))",
                           exitCode: 2)
        }
        let forwarder = try PortForwarder(api: api, runID: record.id, remotePort: port, localPort: localPort)
        forwarder.start()
        let address = "127.0.0.1:\(forwarder.localPort)"
        if json {
            try JSONOutput.write(["run": record.id, "port": String(port), "local": address], to: context.terminal)
        } else {
            context.terminal.outLine("Forwarding \(address) -> run \(record.id) port \(port) (Ctrl-C to stop)")
        }
        let interrupts = InterruptHandler()
        let stopped = Locked(false)
        interrupts.onInterrupt { _ in stopped.set(true) }
        defer { interrupts.stop() }
        // Until Ctrl-C, or until the run ends.
        var checks = 0
        while !stopped.value {
            try await Task.sleep(for: .milliseconds(200))
            checks += 1
            if checks % 10 == 0, let current = try? await api.getRun(record.id), current.status.isTerminal {
                context.terminal.errLine("ame: run \(record.id) has ended (\(current.status.rawValue)); stopping")
                break
            }
        }
        forwarder.stop()
    }
}
