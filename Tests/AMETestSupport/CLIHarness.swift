import AMECLI
import Foundation

/// Runs `ame` in-process with an injected terminal, environment and directory.
public struct CLIResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum CLIHarness {
    public static func run(
        _ arguments: [String],
        in directory: URL,
        terminal: TestTerminal = TestTerminal(),
        environment: [String: String] = [:]
    ) async -> CLIResult {
        var env = ["HOME": directory.path, "PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        env.merge(environment) { _, new in new }
        let context = CommandContext(terminal: terminal, environment: env, workingDirectory: directory,
                                     executablePath: Fixtures.ameBinary.path)
        let status = await AMEMain.run(arguments: arguments, context: context)
        return CLIResult(status: status, stdout: terminal.stdout, stderr: terminal.stderr)
    }
}
