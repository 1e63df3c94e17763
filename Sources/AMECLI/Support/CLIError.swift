/// A failure to report to the user as a sentence and a hint, with an exit status.
public struct CLIError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public var exitCode: Int32

    public init(_ message: String, hint: String? = nil, exitCode: Int32 = 1) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// A required value that cannot be asked for because nobody is at a terminal.
    public static func missingFlag(_ flag: String, what: String) -> CLIError {
        CLIError("\(what) is required when not running in an interactive terminal", hint: "pass \(flag)", exitCode: 2)
    }
}
