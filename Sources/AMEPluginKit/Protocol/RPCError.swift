/// The `error` member of a JSON-RPC response.
///
/// Codes follow JSON-RPC 2.0 (-32700…-32600) plus AME's own in the server range; see
/// `RPCErrorCode` and docs/plugins.md for what each one means and the exit status it maps to.
public struct RPCError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var code: Int
    public var message: String
    /// Optional details: AME reads `hint` (a string) and `exitCode` (an integer) from it.
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public init(_ code: RPCErrorCode, _ message: String, hint: String? = nil, exitCode: Int32? = nil) {
        var details: [String: JSONValue] = [:]
        if let hint { details["hint"] = .string(hint) }
        if let exitCode { details["exitCode"] = .integer(Int64(exitCode)) }
        self.init(code: code.rawValue, message: message, data: details.isEmpty ? nil : .object(details))
    }

    public var hint: String? { data?["hint"]?.stringValue }

    public var description: String { message }

    /// The exit status `ame` ends with when a plugin answers `run` with this error:
    /// `data.exitCode` when it is a valid status (1…255), else the code's default.
    public var exitStatus: Int32 {
        if let explicit = data?["exitCode"]?.integerValue, (1...255).contains(explicit) { return Int32(explicit) }
        return RPCErrorCode(rawValue: code)?.exitStatus ?? 1
    }
}
