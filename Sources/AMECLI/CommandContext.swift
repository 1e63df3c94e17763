import AMECore
import AMESystem
import Foundation

/// Everything a command needs from the outside world, injected so that tests can run any
/// command with a scripted terminal, a temporary directory and a chosen environment.
public struct CommandContext: Sendable {
    public var terminal: any Terminal
    public var environment: [String: String]
    /// The directory relative paths are resolved against.
    public var workingDirectory: URL
    /// The path of the running `ame` binary (plugins are also looked for beside it, and
    /// the embedded engine starts run agents with it).
    public var executablePath: String
    /// How commands reach the jobs API: the embedded engine or a server.
    public var connector: JobsAPIConnector

    public init(
        terminal: any Terminal,
        environment: [String: String],
        workingDirectory: URL,
        executablePath: String,
        connector: JobsAPIConnector = .standard
    ) {
        self.terminal = terminal
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.executablePath = executablePath
        self.connector = connector
    }

    /// The jobs API this invocation talks to; `local` forces the embedded engine.
    public func jobsAPI(local: Bool = false) throws -> any JobsAPI {
        try connector.connect(self, local)
    }

    /// The real process: its terminal, environment and directory.
    public static func live() -> CommandContext {
        let environment = ProcessEnvironment.current()
        return CommandContext(
            terminal: SystemTerminal(environment: environment),
            environment: environment,
            workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            executablePath: ExecutablePath.current())
    }

    @TaskLocal public static var current: CommandContext = .live()

    public var prompter: Prompter { Prompter(terminal: terminal) }

    /// Resolves a path the user typed against the working directory.
    public func resolve(_ path: String) -> URL {
        let expanded = path.hasPrefix("~/") ? (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst() : path
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return workingDirectory.appendingPathComponent(expanded).standardizedFileURL
    }
}

enum ExecutablePath {
    static func current() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments.first ?? "ame"
    }
}
