/// A port a long-running task (a service such as Jupyter) listens on.
public struct PortSpec: Hashable, Sendable, Codable {
    public var port: Int
    public var name: String?

    public init(port: Int, name: String? = nil) {
        self.port = port
        self.name = name
    }
}
