import AMEClient
import AMECore
import ArgumentParser
import Foundation

/// `ame setup URL`: point ame at an ame-server (checked before anything is saved);
/// `ame setup --use NAME` switches between saved servers; `ame setup` lists them.
struct SetupCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Point ame at an ame-server: every run, logs, secret and status command then goes there.",
        discussion: """
            Checks that the server answers and accepts the token ('whoami') before saving it in \
            $XDG_CONFIG_HOME/ame/config.yaml (mode 0600). On a terminal the token is asked for \
            without echo. Several servers can be saved under names; '--use NAME' switches. \
            AME_SERVER and AME_TOKEN override the file; '--local' on a command uses this machine.
            """)

    @Argument(help: ArgumentHelp("The server's URL, e.g. https://ame.example.", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("The access token (asked for on a terminal when omitted; or AME_TOKEN).", valueName: "token"))
    var token: String?

    @Option(name: .long, help: ArgumentHelp("The name to save the server under (default: its host).", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Switch to a saved server.", valueName: "name"))
    var use: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    struct Saved: Encodable {
        var name: String
        var url: String
        var user: String
        var admin: Bool
        var configFile: String
    }

    func run(context: CommandContext) async throws {
        let terminal = context.terminal
        var config = try ClientConfig.load(environment: context.environment)
        let file = ClientConfig.path(environment: context.environment)
        if let use {
            guard url == nil else { throw CLIError("give either a URL or --use NAME, not both", exitCode: 2) }
            guard let server = config.servers[use] else {
                let names = config.servers.keys.sorted()
                throw CLIError("no server named '\(use)' is set up",
                               hint: names.isEmpty ? "set one up with: ame setup URL" : "saved servers: \(names.joined(separator: ", "))",
                               exitCode: 2)
            }
            config.current = use
            try config.save(environment: context.environment)
            terminal.outLine("ame now uses \(use) (\(server.url))")
            return
        }
        guard let url else {
            listServers(config, terminal: terminal, file: file)
            return
        }
        let serverURL = try ClientConfig.normalize(url)
        let client = HTTPJobsAPI(baseURL: serverURL, token: nil)
        do {
            _ = try await client.health()
        } catch let error as APIError {
            throw CLIError(error.message, hint: "check the URL and that ame-server runs there")
        }
        let token = try obtainToken(context: context)
        let identity: Identity
        do {
            identity = try await HTTPJobsAPI(baseURL: serverURL, token: token).whoami()
        } catch let error as APIError where error.code == .unauthorized {
            throw CLIError("the server refused the token: nothing was saved",
                           hint: "ask the server's admin for a token ('ame token create USER'), then: ame setup \(client.displayURL) --token TOKEN")
        }
        let serverName = name ?? config.servers.first { (try? ClientConfig.normalize($0.value.url)) == serverURL }?.key
            ?? ClientConfig.defaultName(for: serverURL)
        try Self.checkName(serverName)
        config.servers[serverName] = ClientConfig.Server(url: client.displayURL, token: token)
        config.current = serverName
        try config.save(environment: context.environment)
        VersionSkew.warn(server: identity.version, url: client.displayURL, terminal: terminal)
        if json {
            try JSONOutput.write(Saved(name: serverName, url: client.displayURL, user: identity.user, admin: identity.admin,
                                       configFile: file.path), to: terminal)
            return
        }
        terminal.outLine("✓ connected to \(client.displayURL) as \(identity.user)\(identity.admin ? " (admin)" : "")")
        terminal.outLine("  saved as '\(serverName)' in \(file.path); every ame command now goes there (--local: this machine)")
    }

    private func obtainToken(context: CommandContext) throws -> String {
        if let token, !token.isEmpty { return token }
        if let token = context.environment["AME_TOKEN"], !token.isEmpty { return token }
        guard context.terminal.isInteractive else { throw CLIError.missingFlag("--token TOKEN", what: "the access token") }
        guard let answer = context.terminal.readLine(prompt: "Token for \(url ?? "the server"): ", hidden: true)?
            .trimmingCharacters(in: .whitespacesAndNewlines), !answer.isEmpty else {
            throw CLIError("no token given", hint: "ask the server's admin for one, or pass --token", exitCode: 2)
        }
        return answer
    }

    static func checkName(_ name: String) throws {
        let valid = !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)
        }
        guard valid else { throw CLIError("'\(name)' is not a usable server name", hint: "use letters, digits, '-', '.' and '_'", exitCode: 2) }
    }

    private func listServers(_ config: ClientConfig, terminal: any Terminal, file: URL) {
        guard !config.servers.isEmpty else {
            terminal.outLine("No server is set up: ame uses the embedded engine on this machine.")
            terminal.outLine("Point it at a server with: ame setup https://ame.example --token TOKEN")
            return
        }
        let rows = config.servers.keys.sorted().map { name in
            [name == config.current ? "*" : "", name, config.servers[name]?.url ?? ""]
        }
        terminal.out(TextTable(header: ["", "NAME", "URL"], rows: rows, style: terminal.style).render())
        terminal.outLine("Switch with: ame setup --use NAME (saved in \(file.path))")
    }
}
