import AMEPluginKit
import ArgumentParser

/// `ame jupyter`: JupyterLab on AME compute, with the project's files, Python environment,
/// env and secrets, reached through a port tunnel. Built on AMEPluginKit alone: every
/// engine interaction is a host method (`run.submit`, `run.get`, `run.list`, `run.logs`,
/// `run.cancel`, `tunnel.open`, `artifacts.download`).
struct Jupyter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jupyter",
        abstract: "JupyterLab on AME compute: start, list, attach to and stop notebook sessions.",
        subcommands: [Lab.self, ListSessions.self, Attach.self, Stop.self],
        defaultSubcommand: Lab.self)
}

@main
enum Main {
    static func main() async {
        await PluginRuntime.main(Jupyter.self, about: PluginAbout(version: "1.0.0", vendor: "AME"))
    }
}
