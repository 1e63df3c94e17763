/// A port a long-running task (a service such as Jupyter) listens on.
public struct PortSpec: Hashable, Sendable, Codable {
    public var port: Int
    public var name: String?

    public init(port: Int, name: String? = nil) {
        self.port = port
        self.name = name
    }

    /// `AME_PORT_<NAME>`, the variable that gives a named port to the service: the name in
    /// upper case with anything but ASCII letters and digits as `_`.
    public var variableName: String? {
        name.map { "AME_PORT_" + String($0.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }) }
    }
}
