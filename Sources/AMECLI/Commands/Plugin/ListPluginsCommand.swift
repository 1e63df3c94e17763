import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame plugin list`: every plugin found, where, and whether it can run.
struct ListPluginsCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List plugins with their version, vendor, source, path and status.")

    @Flag(name: .long, help: "Print the list as JSON.")
    var json = false

    @Flag(name: .long, help: "Run every plugin's handshake again instead of using the cache.")
    var refresh = false

    struct Listing: Encodable {
        var plugins: [Item]
    }

    struct Item: Encodable {
        var name: String
        var version: String?
        var vendor: String?
        var shortDescription: String?
        var source: PluginSource
        var path: String
        var status: String
        var problem: String?
        var shadowed: [ShadowedPlugin]
    }

    func run(context: CommandContext) async throws {
        var resolver = PluginResolver.standard(context: context)
        resolver.refresh = refresh
        let records = await resolver.all()
        let items = records.map { record in
            Item(name: record.name, version: record.status.description?.version, vendor: record.status.description?.vendor,
                 shortDescription: record.status.description?.shortDescription, source: record.source, path: record.path,
                 status: record.status.isValid ? "valid" : "invalid", problem: record.status.problem, shadowed: record.shadowed)
        }
        if json {
            try JSONOutput.write(Listing(plugins: items), to: context.terminal)
            return
        }
        let terminal = context.terminal
        let style = terminal.style
        guard !items.isEmpty else {
            terminal.outLine(context.environment["AME_NO_PLUGINS"] == "1"
                ? "No plugins: AME_NO_PLUGINS=1 turns plugin discovery off."
                : "No plugins found. Install one with 'ame plugin install PATH', or put an ame-NAME executable on your PATH.")
            return
        }
        let rows = items.map { item in
            [style.bold(item.name), item.version ?? "-", item.vendor ?? "-", item.source.label,
             item.problem == nil ? style.green("ok") : style.red("invalid"), item.path]
        }
        terminal.out(TextTable(header: ["NAME", "VERSION", "VENDOR", "SOURCE", "STATUS", "PATH"], rows: rows, style: style).render())
        let invalid = items.filter { $0.problem != nil }
        if !invalid.isEmpty {
            terminal.outLine()
            for item in invalid { terminal.outLine("\(item.name): \(item.problem ?? "")") }
        }
        let shadowing = items.filter { !$0.shadowed.isEmpty }
        if !shadowing.isEmpty {
            terminal.outLine()
            for item in shadowing {
                for shadowed in item.shadowed {
                    terminal.outLine(style.dim("\(item.name) shadows \(shadowed.path) (\(shadowed.source.label))"))
                }
            }
        }
    }
}
