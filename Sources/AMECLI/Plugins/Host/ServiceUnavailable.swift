/// A host method this build of AME cannot serve (no engine wired, no tunnels). Plugins get
/// JSON-RPC error -32003, which ends `ame` with status 69 unless the plugin handles it.
public struct ServiceUnavailable: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}

extension PluginServices {
    /// Services that refuse every call: for sessions that must not reach the engine
    /// (a `complete` request while the user waits at the prompt).
    static let unavailable = PluginServices(
        jobsAPI: { throw ServiceUnavailable("the engine is not available while completing") },
        submitProject: { _ in throw ServiceUnavailable("the engine is not available while completing") },
        openTunnel: { _ in throw ServiceUnavailable("tunnels are not available while completing") })
}
