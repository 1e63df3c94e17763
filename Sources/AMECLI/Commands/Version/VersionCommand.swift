import AMESystem
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `ame version [--json]` (and `ame --version`): the version, git commit, build date and
/// Swift version. Answered before Swift's async runtime starts (`AMEMain.start`), so it
/// costs what starting the binary costs; this type gives it its help, manual page and
/// completion.
struct VersionCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Show ame's version, git commit, build date and Swift version.",
        discussion: """
            The same as 'ame --version'. A build made by scripts/install or scripts/package-deb \
            records its git commit and build date; a development build says it is one. \
            'ame whoami' shows the server's version.
            """)

    @Flag(name: .long, help: "Print the version as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        context.terminal.outLine(json ? BuildInfo.json(program: "ame") : BuildInfo.text(program: "ame"))
    }

    /// `ame --version`, `ame version` and either with `--json`, exactly: what `AMEMain.start`
    /// answers at once (and `AMEMain.run` alike), with a newline-terminated text or JSON
    /// document. Anything else (`version --help`, a wrong option) goes to the parser.
    static func immediateAnswer(_ arguments: [String]) -> String? {
        switch arguments {
        case ["--version"], ["version"]: BuildInfo.text(program: "ame") + "\n"
        case ["--version", "--json"], ["--json", "--version"], ["version", "--json"]: BuildInfo.json(program: "ame") + "\n"
        default: nil
        }
    }
}
