/// Versions of the plugin protocol. A plugin states the range it speaks in its describe
/// document; AME runs it only when that range overlaps its own.
public enum PluginProtocol {
    /// The version this AME speaks best.
    public static let current = 1
    /// Every version this AME can speak.
    public static let supported = ProtocolRange(min: 1, max: 1)
    /// The describe document's schema version.
    public static let schemaVersion = 1
    /// The flag that asks a plugin for its describe document.
    public static let describeFlag = "--ame-describe"
}

/// An inclusive range of protocol versions.
public struct ProtocolRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    /// The highest version both sides speak, or nil when the ranges do not overlap.
    public func highestCommonVersion(with other: ProtocolRange) -> Int? {
        let high = Swift.min(max, other.max)
        return high >= Swift.max(min, other.min) ? high : nil
    }

    public var description: String { min == max ? "\(min)" : "\(min)–\(max)" }
}

/// Method names, in one place so the core, the kit and the docs agree.
public enum PluginMethod {
    // The core asks the plugin.
    public static let initialize = "initialize"
    public static let run = "run"
    /// Instead of `run`, when the user presses Tab on a `dynamic` argument.
    public static let complete = "complete"
    // The core tells the plugin.
    public static let cancel = "$/cancel"
    public static let runLog = "run.log"
    // The plugin asks the core (host methods).
    public static let projectGet = "project.get"
    public static let runSubmit = "run.submit"
    public static let runGet = "run.get"
    public static let runCancel = "run.cancel"
    public static let runLogs = "run.logs"
    public static let tunnelOpen = "tunnel.open"
    public static let runList = "run.list"
    public static let artifactsDownload = "artifacts.download"
    public static let projectSetImage = "project.setImage"
    public static let registryTags = "registry.tags"
    public static let registryCredentials = "registry.credentials"
    // The plugin tells the core.
    public static let log = "log"
    public static let progress = "progress"
    public static let output = "output"

    public static let hostMethods = [projectGet, runSubmit, runGet, runCancel, runLogs, tunnelOpen, runList, artifactsDownload,
                                     projectSetImage, registryTags, registryCredentials]
}
