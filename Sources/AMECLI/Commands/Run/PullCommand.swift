import AMECore
import AMEEngine
import ArgumentParser
import Foundation

/// `ame pull RUN [PATH…]`: a finished run's files into the project directory, as `ame run`
/// brings them back when it follows a run to its end — for runs it did not follow: submitted
/// with `--detach`, detached from, or cancelled from another shell.
struct PullCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Bring a finished run's files back into the project directory.",
        discussion: """
            Every file the run created or changed lands in the project directory, exactly as \
            'ame run' brings them back: a file changed here since the run was submitted is \
            kept, and the run's version lands beside it as NAME.ame-RUN. For runs submitted \
            with --detach, detached from, or cancelled (the files written so far come back). \
            PATHs are files, folders or globs relative to the project directory.
            """)

    @Argument(help: "The run id.", completion: .custom(CompletionSources.runs))
    var run: String

    @Argument(help: ArgumentHelp("Only these files, folders or globs (default: every file).", valueName: "path"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("Write the files into this directory instead of the project's.", valueName: "dir"),
            completion: .directory)
    var to: String?

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print what came back as JSON.")
    var json = false

    struct Result: Encodable {
        var run: String
        var status: RunStatus
        var directory: String
        /// Written into the directory.
        var written: [String]
        /// Already there with the run's content.
        var unchanged: [String]
        /// Changed here since the run was submitted: kept, the run's version beside it.
        var conflicts: [ArtifactDownloader.Conflict]
        var skipped: [String]
    }

    func run(context: CommandContext) async throws {
        let patterns: [GlobPattern]
        do {
            patterns = try paths.map(GlobPattern.init)
        } catch {
            throw CLIError("\(error)", hint: "give paths relative to the project directory, such as out/ or *.pkl", exitCode: 2)
        }
        let api = try context.jobsAPI(local: local)
        let record = try await api.getRun(run)
        guard record.status.isTerminal else {
            throw CLIError("run \(record.id) is still \(record.status.rawValue); its files come back when it ends",
                           hint: "follow it with 'ame logs \(record.id) -f', then 'ame pull \(record.id)'")
        }
        let directory = try destination(for: record, context: context)
        let artifacts = try await api.artifacts(record.id)
        for pattern in patterns where !artifacts.contains(where: { pattern.matches($0.path) }) {
            let names = artifacts.prefix(8).map(\.path).joined(separator: ", ") + (artifacts.count > 8 ? ", …" : "")
            throw CLIError("run \(record.id) has no file at '\(pattern.text)'",
                           hint: artifacts.isEmpty ? "it left no files to bring back" : "its files: \(names)", exitCode: 2)
        }
        var only: ((String) -> Bool)?
        if !patterns.isEmpty { only = { path in patterns.contains { $0.matches(path) } } }
        let report = try await ArtifactDownloader(api: api, context: context).bringBack(record, into: directory, only: only)
        if json {
            try JSONOutput.write(Result(run: record.id, status: record.status, directory: directory.path, written: report.written,
                                        unchanged: report.unchanged, conflicts: report.conflicts, skipped: report.skipped),
                                 to: context.terminal)
            return
        }
        let terminal = context.terminal
        let style = terminal.errorStyle
        if !report.written.isEmpty {
            let names = report.written.prefix(8).joined(separator: ", ") + (report.written.count > 8 ? ", …" : "")
            terminal.outLine("\(report.written.count) file\(report.written.count == 1 ? "" : "s") of run \(record.id) brought back: \(names)")
        } else if report.conflicts.isEmpty {
            terminal.outLine(artifacts.isEmpty ? "Run \(record.id) left no files to bring back."
                                               : "The files of run \(record.id) are all here already.")
        }
        for conflict in report.conflicts {
            terminal.errLine("  \(style.yellow("!")) \(conflict.path) changed here since the run was submitted; the run's version is in \(conflict.savedAs)")
        }
        for skipped in report.skipped {
            terminal.errLine("  \(style.yellow("!")) \(skipped)")
        }
    }

    /// `--to DIR`, else the project directory here, which must be the run's project.
    private func destination(for record: RunRecord, context: CommandContext) throws -> URL {
        if let to {
            let url = context.resolve(to)
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot make the directory \(to): \(error.localizedDescription)")
            }
            return url
        }
        let loader = ProjectLoader(location: try ProjectLocation.find(file: nil, directory: nil, context: context), context: context)
        let project = try loader.load()
        guard project.projectName == record.project else {
            throw CLIError("run \(record.id) belongs to project '\(record.project)', not to '\(project.projectName)' in \(loader.location.directory.path)",
                           hint: "run it in the directory of project '\(record.project)', or pass --to DIR")
        }
        return loader.location.directory
    }
}
