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
