import ArgumentParser

/// A built-in command. It does its work in `run(context:)` with its dependencies passed
/// in; `run()` only supplies the context of the current invocation.
public protocol AMECommand: AsyncParsableCommand {
    func run(context: CommandContext) async throws
}

extension AMECommand {
    public mutating func run() async throws {
        try await run(context: CommandContext.current)
    }
}
