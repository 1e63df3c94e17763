import ArgumentParser

/// A command of a Swift plugin that talks to AME while it runs: it gets the host (the
/// running `ame`) to submit runs, read the project, log and report progress.
///
/// Commands that need nothing from AME can stay plain `ParsableCommand`s; the runtime runs
/// them as ArgumentParser would.
public protocol AMEPluginCommand: ParsableCommand {
    /// Does the work; the returned outcome becomes `ame`'s exit status (and `data`).
    /// Throw `PluginFailure` for a failure with a hint; `CancellationError` after `$/cancel`.
    func run(host: AMEHost) async throws -> PluginOutcome
}

extension AMEPluginCommand {
    /// Not used: the runtime calls `run(host:)`. Present so a plugin command needs no
    /// `run()` of its own.
    public func run() throws {}
}

/// How a plugin command ended.
public struct PluginOutcome: Sendable, ExpressibleByIntegerLiteral {
    public var exitCode: Int32
    /// Machine-readable result; `ame` prints it as JSON when its output mode is `json`.
    public var data: JSONValue?

    public init(exitCode: Int32 = 0, data: JSONValue? = nil) {
        self.exitCode = exitCode
        self.data = data
    }

    public init(integerLiteral value: Int32) {
        self.init(exitCode: value)
    }

    public static let success = PluginOutcome(exitCode: 0)
}

/// A failure to report as `error: MESSAGE` and `hint: HINT`, ending `ame` with `exitCode`.
public struct PluginFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public var exitCode: Int32

    public init(_ message: String, hint: String? = nil, exitCode: Int32 = 1) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    public var description: String { message }

    var rpcError: RPCError { RPCError(.failed, message, hint: hint, exitCode: exitCode) }
}
