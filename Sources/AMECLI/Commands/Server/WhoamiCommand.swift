import AMEClient
import AMECore
import ArgumentParser
import Foundation

/// `ame whoami`: who ame acts as, and where.
struct WhoamiCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Show the user and the server (or embedded engine) ame uses.",
        discussion: "With a server, also its version; a server whose major or minor version differs from this ame's gets a warning.")

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the identity as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let identity = try await context.jobsAPI(local: local).whoami()
        let embedded = identity.server == "embedded"
        if !embedded { VersionSkew.warn(server: identity.version, url: identity.server, terminal: context.terminal) }
        if json {
            try JSONOutput.write(identity, to: context.terminal)
            return
        }
        let place = embedded ? "the embedded engine on this machine" : "\(identity.server) (ame-server \(identity.version ?? "of unknown version"))"
        context.terminal.outLine("\(identity.user)\(identity.admin ? " (admin)" : "") on \(place)")
        if identity.sandbox == "off", identity.server != "embedded" {
            let style = context.terminal.style
            context.terminal.outLine("\(style.yellow("⚠")) this server runs steps without a sandbox (--unsafe-no-sandbox): every run can read the server's data and other users' runs")
        }
    }
}
