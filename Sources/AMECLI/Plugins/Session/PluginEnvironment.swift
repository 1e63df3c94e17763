import AMEPluginKit
import AMESystem
import Foundation

/// The environment a plugin runs with: the user's, minus AME's credentials (a plugin
/// reaches the engine through host methods, never with the token), plus the `AME_*`
/// variables the protocol promises.
public enum PluginEnvironment {
    /// Variables a plugin never sees.
    public static let withheld: Set<String> = ["AME_TOKEN"]

    public static func forSession(context: CommandContext, protocolVersion: Int) -> [String: String] {
        var environment = forHandshake(context: context)
        environment["AME_PLUGIN_PROTOCOL"] = String(protocolVersion)
        return environment
    }

    /// For `--ame-describe` (no session yet, so no `AME_PLUGIN_PROTOCOL`).
    public static func forHandshake(context: CommandContext) -> [String: String] {
        var environment = context.environment.filter { !withheld.contains($0.key) }
        environment.removeValue(forKey: "AME_PLUGIN_PROTOCOL")
        environment["AME_BIN"] = context.executablePath
        environment["AME_CONFIG_DIR"] = ClientConfig.directoryPath(environment: context.environment)
        environment["AME_DATA_DIR"] = AMEDirectories.data(environment: context.environment)
        environment["AME_OUTPUT"] = outputMode(context: context)
        return environment
    }

    /// `json` when the user asked for machine-readable output (`AME_OUTPUT=json`), else `text`.
    public static func outputMode(context: CommandContext) -> String {
        context.environment["AME_OUTPUT"]?.lowercased() == "json" ? "json" : "text"
    }

    /// `$XDG_CONFIG_HOME/ame` (or `~/.config/ame`).
    public static func configDirectory(environment: [String: String]) -> URL {
        URL(fileURLWithPath: ClientConfig.directoryPath(environment: environment), isDirectory: true)
    }
}
