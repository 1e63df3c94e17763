import AMEPluginKit

/// Whether a found plugin can run, and why not.
public enum PluginStatus: Hashable, Sendable {
    case valid(PluginDescription)
    case invalid(String)

    public var description: PluginDescription? {
        if case .valid(let description) = self { return description }
        return nil
    }

    public var problem: String? {
        if case .invalid(let reason) = self { return reason }
        return nil
    }

    public var isValid: Bool { description != nil }
}

/// A plugin as the resolver found it: the file that wins for its name, its status, and
/// the files it shadows.
public struct PluginRecord: Hashable, Sendable {
    public var name: String
    public var path: String
    public var source: PluginSource
    public var status: PluginStatus
    public var shadowed: [ShadowedPlugin]

    public init(name: String, path: String, source: PluginSource, status: PluginStatus, shadowed: [ShadowedPlugin]) {
        self.name = name
        self.path = path
        self.source = source
        self.status = status
        self.shadowed = shadowed
    }
}
