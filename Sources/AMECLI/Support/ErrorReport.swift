import AMECore
import ArgumentParser

/// How `ame` ends on a failure: a sentence (and a hint) on stderr and an exit status, never
/// a trap or a stack trace. Every route of start-up (`StartRoute`) and the plugin dispatch
/// report through here.
public enum ErrorReport {
    /// Reports `error` on `terminal` and returns the exit status. `parser`: the command tree
    /// whose parser threw it, when it did: in parsing, or in running a command ArgumentParser
    /// made (`ParsableCommand.tree(contains:)`); its errors are ArgumentParser's to word,
    /// whatever their type.
    public static func report(_ error: any Error, terminal: any Terminal, parser: (any ParsableCommand.Type)? = nil) -> Int32 {
        let style = terminal.errorStyle
        switch error {
        case let status as ExitStatus:
            return status.code
        case let failure as DiagnosticsFailure:
            failure.render(to: terminal)
            return 1
        case let diagnostics as DiagnosticsError:
            DiagnosticsFailure(diagnostics: diagnostics.diagnostics, source: nil).render(to: terminal)
            return 1
        case let apiError as APIError:
            // The engine's or the server's refusal, as a sentence with its hint.
            if let diagnostics = apiError.diagnostics, !diagnostics.isEmpty {
                DiagnosticsFailure(diagnostics: diagnostics, source: nil).render(to: terminal)
            }
            terminal.errLine("\(style.red("error")): \(apiError.message)")
            if let hint = apiError.hint { terminal.errLine("  hint: \(hint)") }
            return apiError.code == .invalidRequest || apiError.code == .invalidProject ? 2 : 1
        case let cliError as CLIError:
            terminal.errLine("\(style.red("error")): \(cliError.message)")
            if let hint = cliError.hint { terminal.errLine("  hint: \(hint)") }
            return cliError.exitCode
        case is ValidationError, is CleanExit, is ExitCode:
            // ArgumentParser's public errors, which a command's `run` may throw too.
            return argumentParserMessage(for: error, parser: parser ?? RootCommand.self, terminal: terminal)
        default:
            if let parser { return argumentParserMessage(for: error, parser: parser, terminal: terminal) }
            // Errors of AME's own libraries describe themselves in a sentence.
            terminal.errLine("\(style.red("error")): \(error)")
            return 1
        }
    }

    /// ArgumentParser's own words: usage errors on stderr, help and `--version` on stdout.
    static func argumentParserMessage(for error: any Error, parser: any ParsableCommand.Type, terminal: any Terminal) -> Int32 {
        let code = parser.exitCode(for: error).rawValue
        let message = parser.fullMessage(for: error)
        if code == 0 {
            if !message.isEmpty { terminal.outLine(message) }
        } else if !message.isEmpty {
            terminal.errLine(message)
        }
        return code
    }
}
