import AMECore
import Foundation

/// Reads and validates the project's `ame.yaml`, turning every failure into a message that
/// names the file.
public struct ProjectLoader: Sendable {
    public let location: ProjectLocation
    public let context: CommandContext

    public init(location: ProjectLocation, context: CommandContext) {
        self.location = location
        self.context = context
    }

    public var displayPath: String { location.displayPath(relativeTo: context.workingDirectory) }

    public func readSource() throws -> String {
        let path = location.file.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no \(ProjectFile.fileName) found in \(location.directory.path) or any directory above it",
                           hint: "run 'ame create project' to make one, or pass --dir or --file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(displayPath)", hint: "check the file's permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(displayPath) is not UTF-8 text", hint: "save it as UTF-8")
        }
        return text
    }

    public func decode() throws -> (source: String, result: ProjectFileDecoder.Result) {
        let source = try readSource()
        return (source, ProjectFileDecoder(source: source, file: displayPath).decode())
    }

    /// The project, or a thrown `DiagnosticsFailure` carrying every problem.
    public func load() throws -> ProjectFile {
        let (source, result) = try decode()
        guard let project = result.project, result.errors.isEmpty else {
            throw DiagnosticsFailure(diagnostics: result.diagnostics, source: source)
        }
        for warning in result.diagnostics where warning.severity == .warning {
            context.terminal.errLine(warning.rendered(source: source))
        }
        return project
    }
}

/// Diagnostics to print before exiting with status 1.
public struct DiagnosticsFailure: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public var source: String?

    public func render(to terminal: any Terminal) {
        let style = terminal.errorStyle
        for diagnostic in diagnostics {
            var text = diagnostic.rendered(source: source)
            if style.enabled {
                text = text.replacingOccurrences(of: ": error: ", with: ": \(style.red("error")): ")
                    .replacingOccurrences(of: ": warning: ", with: ": \(style.yellow("warning")): ")
            }
            terminal.errLine(text)
        }
        let errors = diagnostics.filter { $0.severity == .error }.count
        if errors > 0 {
            terminal.errLine("\(errors) error\(errors == 1 ? "" : "s") found")
        }
    }
}
