@testable import AMECLI
import AMECore
import AMEPluginKit
import AMETestSupport
import ArgumentParser
import Foundation
import Testing

@Suite("Completion sources: tasks, servers, formatting")
struct CompletionSourcesTests {
    func context(_ directory: URL, _ environment: [String: String] = [:]) -> CommandContext {
        var env = ["HOME": directory.path, "PATH": "/usr/bin:/bin"]
        env.merge(environment) { _, new in new }
        return CommandContext(terminal: TestTerminal(), environment: env, workingDirectory: directory,
                              executablePath: Fixtures.ameBinary.path)
    }

    @Test("tasks in file order, pipelines described by their steps, --dir honoured, a broken file still offers its names")
    func tasks() throws {
        let project = try Project("""
            projectname: demo
            tasks:
              train:
                runcommand: python train.py
              all:
                pipeline:
                  prepare: {runcommand: python prepare.py}
                  fit: {runcommand: python fit.py}
              evaluate:
                runcommand: python evaluate.py
                resurces: {cpu: 1}
            """)
        let candidates = CompletionSources.taskCandidates(arguments: ["ame", "run", ""], prefix: "", context: context(project.url))
        #expect(candidates.map(\.value) == ["train", "all", "evaluate"])
        #expect(candidates[1].description == "pipeline: prepare → fit")
        #expect(candidates[0].description == "python train.py")

        let elsewhere = try TemporaryDirectory(prefix: "ame-elsewhere")
        let viaDir = CompletionSources.taskCandidates(arguments: ["ame", "run", "--dir", project.url.path, "e"], prefix: "e",
                                                      context: context(elsewhere.url))
        #expect(viaDir.map(\.value) == ["evaluate"])
        #expect(CompletionSources.taskCandidates(arguments: [], prefix: "", context: context(elsewhere.url)).isEmpty)
        #expect(CompletionSources.stepCandidates(task: "all", arguments: [], prefix: "", context: context(project.url)).map(\.value)
                == ["prepare", "fit"])
    }

    @Test("runs and secrets: nothing (and no data directory made) when the engine has never run")
    func noEngineYet() async throws {
        let home = try TemporaryDirectory(prefix: "ame-fresh")
        let environment = ["XDG_DATA_HOME": home.file("data").path, "XDG_CACHE_HOME": home.file("cache").path]
        #expect(await CompletionSources.runCandidates(prefix: "", local: false, context: context(home.url, environment)).isEmpty)
        #expect(await CompletionSources.secretCandidates(prefix: "", local: false, context: context(home.url, environment)).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: home.file("data/ame").path))
    }

    @Test("a server that cannot answer in time falls back to the run ids seen last, quietly")
    func serverFallback() async throws {
        let home = try TemporaryDirectory(prefix: "ame-fallback")
        let environment = ["AME_SERVER": "https://ame.invalid", "XDG_CACHE_HOME": home.file("cache").path]
        let slow = JobsAPIConnector { _, _ in throw CLIError("unreachable") }
        var context = context(home.url, environment)
        context.connector = slow
        #expect(await CompletionSources.runCandidates(prefix: "", local: false, context: context).isEmpty)

        let cache = CompletionCache.standard(environment: context.environment)
        cache.store([["r-2", "running", "train", "1000"], ["r-1", "failed", "train", "900"]], kind: "runs", source: "server:https://ame.invalid")
        let fallback = await CompletionSources.runCandidates(prefix: "r-", local: false, context: context, now: Date(timeIntervalSince1970: 1000 + 120))
        #expect(fallback.map(\.value) == ["r-2", "r-1"])
        #expect(fallback[0].description == "running · train · 2 min ago")
    }

    @Test("server names from config.yaml in any likely shape; nothing from a file that is not one")
    func serverNames() {
        let mapping = ServerNames.parse("""
            current: prod
            servers:
              prod:
                url: https://ame.example
                token: secret
              staging:
                url: http://127.0.0.1:8080
            """)
        #expect(mapping.names == ["prod", "staging"])
        #expect(mapping.current == "prod")
        #expect(mapping.currentURL == "https://ame.example")
        let list = ServerNames.parse("servers:\n  - name: a\n    url: https://a\n  - name: b\n")
        #expect(list.names == ["a", "b"])
        for broken in ["", "servers: 3", "[1, 2]", ": : :", "servers:\n  - 1\n  - {url: x}\n", "\t\tnot yaml: ["] {
            #expect(ServerNames.parse(broken).names.isEmpty, "\(broken)")
        }
    }

    @Test("candidates per shell: zsh value:description with colons escaped, fish value<TAB>description, bash values")
    func formatting() {
        let candidates = [CompletionCandidate("a:b", description: "with\ta tab"), CompletionCandidate("plain")]
        #expect(CompletionOutput.lines(candidates, shell: .zsh) == ["a\\:b:with a tab", "plain"])
        #expect(CompletionOutput.lines(candidates, shell: .fish) == ["a:b\twith a tab", "plain"])
        #expect(CompletionOutput.lines(candidates, shell: .bash) == ["a:b", "plain"])
        #expect(CompletionOutput.lines(candidates, shell: nil) == ["a:b", "plain"])
    }

    @Test("ages read naturally")
    func ages() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(CompletionSources.age(since: now.addingTimeInterval(-5), now: now) == "just now")
        #expect(CompletionSources.age(since: now.addingTimeInterval(-300), now: now) == "5 min ago")
        #expect(CompletionSources.age(since: now.addingTimeInterval(-7200), now: now) == "2 h ago")
        #expect(CompletionSources.age(since: now.addingTimeInterval(-86400 * 3), now: now) == "3 days ago")
    }

    @Test("mdoc text: a sentence per line, lines within 80 bytes, roff characters escaped")
    func mdocText() {
        var doc = MDoc()
        doc.paragraphs("""
            First sentence, e.g. with an abbreviation. Second one is much longer than eighty bytes so it has to be wrapped onto more lines. \
            .dotfiles are escaped → and so is this.

            New paragraph with a back\\slash.
            """)
        let lines = doc.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "First sentence, e.g.\\& with an abbreviation.")
        #expect(lines.allSatisfy { $0.utf8.count <= 80 })
        #expect(lines.contains("\\&.dotfiles are escaped \\[u2192] and so is this."))
        #expect(lines.contains(".Pp"))
        #expect(lines.last == "New paragraph with a back\\eslash.")
        #expect(MDoc.descriptionLine("Run a task.") == "Run a task")
        #expect(MDoc.longDate("2026-11-27") == "November 27, 2026")
        #expect(MDoc.argument("two words") == "\"two words\"")
    }
}
