import ArgumentParser
import Foundation

/// `ame __generate-docs [--output DIR] [--date YYYY-MM-DD]` (hidden): writes
/// `completions/` (ame.bash, _ame, ame.fish) and `man/` (ame.1 and a page per command).
/// The committed copies are regenerated with it; a test fails when they differ.
struct GenerateDocsCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "__generate-docs",
        abstract: "Write the completion scripts and the manual pages.",
        shouldDisplay: false)

    /// What the test that compares the committed files tells the reader to run.
    static let regenerateCommand = "swift run ame __generate-docs --output ."

    @Option(help: ArgumentHelp("The folder to write completions/ and man/ into.", valueName: "dir"), completion: .directory)
    var output: String = "."

    @Option(help: ArgumentHelp("The date the manual pages carry (YYYY-MM-DD).", valueName: "date"))
    var date: String = ManualPages.pinnedDate

    func run(context: CommandContext) async throws {
        let base = context.resolve(output)
        let files = try Self.files(date: date)
        let manager = FileManager.default
        // Pages of commands that no longer exist must not linger.
        let manDirectory = base.appendingPathComponent("man")
        if let existing = try? manager.contentsOfDirectory(atPath: manDirectory.path) {
            for name in existing where name.hasSuffix(".1") && !files.contains(where: { $0.path == "man/\(name)" }) {
                try manager.removeItem(at: manDirectory.appendingPathComponent(name))
            }
        }
        for file in files {
            let url = base.appendingPathComponent(file.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: url)
        }
        context.terminal.errLine("ame: wrote \(files.count) files under \(base.path)")
    }

    /// Every generated file: its path under the repository and its content.
    static func files(date: String) throws -> [(path: String, text: String)] {
        var files = try CompletionScripts.fileNames.map { entry in
            (path: "completions/\(entry.file)", text: try CompletionScripts.script(for: entry.shell))
        }
        files += try ManualPages(date: date).render().map { (path: "man/\($0.name)", text: $0.text) }
        return files
    }
}
