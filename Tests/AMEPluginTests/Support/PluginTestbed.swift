import AMECLI
import AMETestSupport
import Foundation

/// A sandbox for plugin tests: its own HOME, XDG folders, plugin folders and `PATH`, and a
/// way to run `ame` in-process against them with chosen host services.
final class PluginTestbed: @unchecked Sendable {
    let root: TemporaryDirectory
    /// Where `ame` pretends to live (the "folder of the ame binary" rule); the real build
    /// folder only for tests that need the Swift example.
    var executablePath: String
    var environment: [String: String]
    var workingDirectory: URL

    init(useBuildFolder: Bool = false) throws {
        root = try TemporaryDirectory(prefix: "ame-plugins")
        for folder in ["home", "data", "cache", "config", "ame-bin", "path1", "path2", "plugin-path", "project"] {
            try FileManager.default.createDirectory(at: root.file(folder), withIntermediateDirectories: true)
        }
        executablePath = useBuildFolder ? Fixtures.ameBinary.path : root.file("ame-bin/ame").path
        environment = [
            "HOME": root.file("home").path,
            "XDG_DATA_HOME": root.file("data").path,
            "XDG_CACHE_HOME": root.file("cache").path,
            "XDG_CONFIG_HOME": root.file("config").path,
            // The real interpreter first: the pyenv shim costs ~0.2 s per start.
            "PATH": ([Self.pythonDirectory].compactMap { $0 } + ["/usr/local/bin", "/usr/bin", "/bin"]).joined(separator: ":"),
            "NO_COLOR": "1",
        ]
        workingDirectory = root.file("project")
    }

    /// What a run of `ame` printed and returned.
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    var url: URL { root.url }
    func path(_ relative: String) -> String { root.file(relative).path }

    /// The installed-plugins folder.
    var installedDirectory: URL { root.file("data/ame/plugins") }

    /// Runs `ame ARGUMENTS` in-process.
    func run(_ arguments: [String], environment extra: [String: String] = [:], services: PluginServices? = nil,
             terminal: TestTerminal = TestTerminal()) async -> Result {
        var env = environment
        env.merge(extra) { _, new in new }
        let context = CommandContext(terminal: terminal, environment: env, workingDirectory: workingDirectory,
                                     executablePath: executablePath)
        // Read the current factory first: inside withValue it would be this closure itself.
        let standard = PluginServices.factory
        let factory: @Sendable (CommandContext) -> PluginServices = { context in services ?? standard(context) }
        let status = await PluginServices.$factory.withValue(factory) {
            await AMEMain.run(arguments: arguments, context: context)
        }
        return Result(status: status, stdout: terminal.stdout, stderr: terminal.stderr)
    }

    func context(terminal: TestTerminal = TestTerminal()) -> CommandContext {
        CommandContext(terminal: terminal, environment: environment, workingDirectory: workingDirectory, executablePath: executablePath)
    }

    /// Writes a file and sets its mode exactly (no umask).
    @discardableResult
    func write(_ relative: String, _ content: String, mode: Int = 0o755) throws -> String {
        let url = try root.write(relative, content)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url.path
    }

    func setMode(_ relative: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: root.file(relative).path)
    }

    /// Lines in the spawn counter file (each plugin process start appends one).
    func spawns() -> [String] {
        ((try? String(contentsOfFile: path("spawns"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func resetSpawns() {
        try? FileManager.default.removeItem(atPath: path("spawns"))
    }

    /// The folder of the real `python3` (not the pyenv shim), when there is one.
    static let pythonDirectory: String? = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : (path as NSString).deletingLastPathComponent
    }()
}
