import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Everything a command needs from the outside world, injected so that tests can run any
/// command with a scripted terminal, a temporary directory and a chosen environment.
public struct CommandContext: Sendable {
    public var terminal: any Terminal
    public var environment: [String: String]
    /// The directory relative paths are resolved against.
    public var workingDirectory: URL {
        didSet { workingDirectoryPath = workingDirectory.path }
    }
    /// `workingDirectory.path`, kept: a plugin session needs only the path, and the first
    /// use of URL's `path` costs a scan of the binary's conformances (~0.5 ms of `ame NAME`).
    public private(set) var workingDirectoryPath: String
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
        self.init(terminal: terminal, environment: environment, workingDirectory: workingDirectory,
                  workingDirectoryPath: workingDirectory.path, executablePath: executablePath, connector: connector)
    }

    init(terminal: any Terminal, environment: [String: String], workingDirectory: URL, workingDirectoryPath: String,
         executablePath: String, connector: JobsAPIConnector = .standard) {
        self.terminal = terminal
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.workingDirectoryPath = workingDirectoryPath
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
        let directory = currentDirectoryPath()
        return CommandContext(
            terminal: SystemTerminal(environment: environment),
            environment: environment,
            workingDirectory: URL(fileURLWithPath: directory, isDirectory: true),
            workingDirectoryPath: directory,
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

/// getcwd(3): FileManager's answer, without its first-use cost at every start.
func currentDirectoryPath() -> String {
    guard let path = getcwd(nil, 0) else { return FileManager.default.currentDirectoryPath }
    defer { free(path) }
    return String(cString: path)
}

enum ExecutablePath {
    static func current() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return buffer.withUnsafeBufferPointer { pointer in
                String(decoding: UnsafeRawBufferPointer(start: pointer.baseAddress, count: length), as: UTF8.self)
            }
        }
        return CommandLine.arguments.first ?? "ame"
    }
}
