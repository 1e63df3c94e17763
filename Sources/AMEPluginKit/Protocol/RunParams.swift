/// `run`: the arguments after `ame NAME`, exactly as the user typed them.
public struct RunParams: Hashable, Sendable {
    public var argv: [String]

    public init(argv: [String]) {
        self.argv = argv
    }
}

/// The plugin's answer to `run`: how `ame` exits, and optional machine-readable data
/// (printed on stdout as JSON when the output mode is `json`).
public struct RunResult: Hashable, Sendable {
    public var exitCode: Int32
    public var data: JSONValue?

    public init(exitCode: Int32, data: JSONValue? = nil) {
        self.exitCode = exitCode
        self.data = data
    }
}
