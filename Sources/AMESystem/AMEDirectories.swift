/// The folders AME keeps per user, after the XDG base directories, as plain paths (see
/// `FilePaths` for why not URLs). The embedded engine (`EngineLayout.embedded`), plugin
/// discovery and the CLI's configuration all ask here, so they cannot disagree.
public enum AMEDirectories {
    /// `$XDG_DATA_HOME/ame` (or `~/.local/share/ame`): the embedded engine's durable state
    /// and the installed plugins.
    public static func data(environment: [String: String]) -> String {
        FilePaths.joined(FilePaths.xdgBase("XDG_DATA_HOME", fallback: ".local/share", environment: environment), "ame")
    }

    /// `$XDG_CACHE_HOME/ame` (or `~/.cache/ame`): what can be rebuilt (environments, hash
    /// caches, plugins' describe documents).
    public static func cache(environment: [String: String]) -> String {
        FilePaths.joined(FilePaths.xdgBase("XDG_CACHE_HOME", fallback: ".cache", environment: environment), "ame")
    }

    /// `$XDG_CONFIG_HOME/ame` (or `~/.config/ame`): `config.yaml`, `AME_CONFIG_DIR` for plugins.
    public static func config(environment: [String: String]) -> String {
        FilePaths.joined(FilePaths.xdgBase("XDG_CONFIG_HOME", fallback: ".config", environment: environment), "ame")
    }

    /// The installed plugins' folder within `data` (what `ame plugin install` manages).
    public static let pluginsFolder = "plugins"

    /// `data/plugins`.
    public static func installedPlugins(environment: [String: String]) -> String {
        FilePaths.joined(data(environment: environment), pluginsFolder)
    }
}
