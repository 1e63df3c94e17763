import AMECore
import ArgumentParser
import Foundation

/// `ame sync`: upload the project without running anything — what `ame run` does first.
/// Useful to warm the engine before a run, and to see what AME would send.
struct SyncCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Upload the project's files the engine does not have yet, without running anything.",
        discussion: "Honours .gitignore and .ameignore; unchanged files are neither re-read nor re-sent.")

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the statistics as JSON.")
    var json = false

    struct Report: Encodable {
        var files: Int
        var totalBytes: Int64
        var uploadedFiles: Int
        var uploadedBytes: Int64
        var seconds: Double
        var warnings: [String]
    }

    func run(context: CommandContext) async throws {
        let loader = try project.loader(in: context)
        // As 'run' and 'tasks' do: outside a project there is nothing to sync, and a home
        // folder full of virtualenvs is not one.
        _ = try loader.readSource()
        let location = loader.location
        let api = try context.jobsAPI(local: local)
        let started = ContinuousClock.now
        let result = try await ProjectUploader(api: api, context: context).upload(directory: location.directory)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let report = Report(files: result.manifest.count, totalBytes: result.manifest.totalSize, uploadedFiles: result.uploadedFiles,
                            uploadedBytes: result.uploadedBytes, seconds: seconds, warnings: result.warnings)
        if json {
            try JSONOutput.write(report, to: context.terminal)
        } else {
            context.terminal.outLine("\(report.files) files (\(ProgressBar.bytes(report.totalBytes))); uploaded \(report.uploadedFiles) (\(ProgressBar.bytes(report.uploadedBytes))) in \(String(format: "%.2f", seconds))s")
        }
    }
}
