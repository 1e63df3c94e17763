/// Where a plugin was found, in search order.
public enum PluginSource: String, Hashable, Sendable, Codable, CaseIterable {
    /// A folder listed in `$AME_PLUGIN_PATH`.
    case pluginPath = "AME_PLUGIN_PATH"
    /// Installed by `ame plugin install` (under the AME data folder).
    case installed
    /// The folder holding the `ame` binary (first-party plugins built alongside it).
    case ameDirectory = "ame-directory"
    /// `../libexec/ame` from the `ame` binary: where scripts/install and the .deb put the
    /// first-party plugins (`PREFIX/bin/ame` finds `PREFIX/libexec/ame/ame-NAME`).
    case ameLibexec = "ame-libexec"
    /// A folder of `$PATH`.
    case path = "PATH"

    /// How `ame plugin list` names it.
    public var label: String {
        switch self {
        case .pluginPath: "AME_PLUGIN_PATH"
        case .installed: "installed"
        case .ameDirectory: "beside ame"
        case .ameLibexec: "installed with ame"
        case .path: "PATH"
        }
    }
}

/// One folder to look in.
public struct PluginSearchDirectory: Hashable, Sendable {
    public var path: String
    public var source: PluginSource

    public init(path: String, source: PluginSource) {
        self.path = path
        self.source = source
    }

    /// Where `ame-<name>` would be in this folder. Installed plugins each have a folder of
    /// their own (`plugins/<name>/ame-<name>`), so an upgrade can swap it in one rename.
    public func candidatePath(for name: String) -> String {
        switch source {
        case .installed: "\(path)/\(name)/ame-\(name)"
        default: "\(path)/ame-\(name)"
        }
    }
}

/// A file that would have been the plugin but for one found earlier.
public struct ShadowedPlugin: Hashable, Sendable, Codable {
    public var path: String
    public var source: PluginSource
}
