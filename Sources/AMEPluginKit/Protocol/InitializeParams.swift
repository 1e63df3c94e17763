/// `initialize`: the first request of a session, telling the plugin where it runs.
public struct InitializeParams: Hashable, Sendable {
    /// The version this session speaks: the highest both sides support.
    public var protocolVersion: Int
    public var ameVersion: String
    public var context: SessionContext

    public init(protocolVersion: Int, ameVersion: String, context: SessionContext) {
        self.protocolVersion = protocolVersion
        self.ameVersion = ameVersion
        self.context = context
    }
}

/// What a plugin may want to know about the invocation without asking the host.
public struct SessionContext: Hashable, Sendable {
    public struct TTY: Hashable, Sendable {
        public var stdin: Bool
        public var stdout: Bool
        public var stderr: Bool

        public init(stdin: Bool, stdout: Bool, stderr: Bool) {
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// The user's working directory.
    public var workingDirectory: String
    /// The directory holding the nearest `ame.yaml`, if there is one.
    public var projectDirectory: String?
    /// `embedded` or the server's URL (never the token).
    public var server: String
    /// `text` or `json` (the same as `AME_OUTPUT`).
    public var output: String
    /// Whether the user's streams are terminals (the plugin's own stdout never is).
    public var tty: TTY
    /// Whether AME would colour its own output.
    public var color: Bool
    /// Terminal columns, 80 when unknown.
    public var width: Int

    public init(workingDirectory: String, projectDirectory: String?, server: String, output: String, tty: TTY, color: Bool, width: Int) {
        self.workingDirectory = workingDirectory
        self.projectDirectory = projectDirectory
        self.server = server
        self.output = output
        self.tty = tty
        self.color = color
        self.width = width
    }
}

/// The plugin's answer to `initialize`.
public struct InitializeResult: Hashable, Sendable {
    /// The version the plugin will speak (it must be the one offered).
    public var protocolVersion: Int

    public init(protocolVersion: Int) {
        self.protocolVersion = protocolVersion
    }
}
