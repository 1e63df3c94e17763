import AMECore
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// `ame pull`: the files of runs that `ame run` did not follow to their end come back the
/// way `ame run` brings them back, on every transport.
@Suite("Pull contract", .timeLimit(.minutes(15)))
struct PullContractTests {
    struct Pulled: Decodable {
        struct Conflict: Decodable { var path: String; var savedAs: String }
        var run: String
        var status: RunStatus
        var directory: String
        var written: [String]
        var unchanged: [String]
        var conflicts: [Conflict]
        var skipped: [String]
    }

    func text(_ project: URL, _ path: String) throws -> String {
        try String(contentsOf: project.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("a detached run's files come back with ame pull; a file changed here meanwhile is kept, the run's version beside it",
          arguments: Transport.withKubernetes)
    func detachedRun(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: pulled
                tasks:
                  write:
                    runcommand: echo from-run > notes.txt; echo v2 > model.txt; mkdir -p out; echo new > out/fresh.txt; echo done
                    dependencies: none
                """,
            "notes.txt": "original\n",
            "model.txt": "v1\n",
        ])
        let detached = try await sandbox.ame(["run", "write", "--detach"], in: project)
        #expect(detached.exitCode == 0, "\(detached.stderr)")
        let id = detached.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(detached.stderr.contains("ame pull \(id)"), "run --detach offers pull: \(detached.stderr)")
        // Changed here after the run was submitted.
        try Data("edited locally\n".utf8).write(to: project.appendingPathComponent("notes.txt"))

        let followed = try await sandbox.ame(["logs", id, "-f"], in: project)
        #expect(followed.exitCode == 0, "\(followed.stderr)")
        #expect(followed.stdout.contains("done"))
        #expect(followed.stderr.contains("collected 3 files; bring them back with: ame pull \(id)"), "\(followed.stderr)")
        // Following brought nothing back by itself.
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("out/fresh.txt").path))

        let pulled = try await sandbox.ame(["pull", id, "--json"], in: project)
        #expect(pulled.exitCode == 0, "\(pulled.stderr)")
        let result = try Contract.decode(Pulled.self, pulled)
        #expect(result.status == .succeeded)
        #expect(Set(result.written) == ["model.txt", "out/fresh.txt"])
        #expect(result.conflicts.map(\.path) == ["notes.txt"])
        #expect(result.conflicts.first?.savedAs == "notes.txt.ame-\(id)")
        #expect(try text(project, "notes.txt") == "edited locally\n")
        #expect(try text(project, "notes.txt.ame-\(id)") == "from-run\n")
        #expect(try text(project, "model.txt") == "v2\n")
        #expect(try text(project, "out/fresh.txt") == "new\n")

        // Again: everything is here already.
        let again = try Contract.decode(Pulled.self, try await sandbox.ame(["pull", id, "--json"], in: project))
        #expect(again.written.isEmpty)
        #expect(Set(again.unchanged).isSuperset(of: ["model.txt", "out/fresh.txt"]))

        // Some files, elsewhere; a path the run did not write is an error naming it.
        let elsewhere = sandbox.directory.url.appendingPathComponent("elsewhere")
        let some = try await sandbox.ame(["pull", id, "out/", "--to", elsewhere.path], in: project)
        #expect(some.exitCode == 0, "\(some.stderr)")
        #expect(try text(elsewhere, "out/fresh.txt") == "new\n")
        #expect(!FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("model.txt").path))
        let missing = try await sandbox.ame(["pull", id, "nothing.txt"], in: project)
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("run \(id) has no file at 'nothing.txt'"), "\(missing.stderr)")
    }

    @Test("a run cancelled from another shell: the files it wrote so far come back with ame pull", arguments: Transport.withKubernetes)
    func cancelledRun(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: partial
            tasks:
              long:
                runcommand: echo partial > part.txt; echo started; sleep 120
                dependencies: none
            """])
        let submitted = try await Contract.submit(sandbox, "long", in: project)
        let following = try sandbox.start(["logs", submitted.id, "-f"], in: project)
        #expect(await following.waitFor("started"), "\(following.stderrSoFar)")
        // While it runs there is nothing to pull yet.
        let early = try await sandbox.ame(["pull", submitted.id], in: project)
        #expect(early.exitCode == 1)
        #expect(early.stderr.contains("is still running"), "\(early.stderr)")

        let cancelled = try await sandbox.ame(["cancel", submitted.id])
        #expect(cancelled.exitCode == 0, "\(cancelled.stderr)")
        _ = try await following.finish(timeout: .seconds(120))
        let run = try await Contract.waitForRun(sandbox, submitted.id) { $0.status.isTerminal }
        #expect(run.status == .cancelled)

        let pulled = try await sandbox.ame(["pull", submitted.id], in: project)
        #expect(pulled.exitCode == 0, "\(pulled.stderr)")
        #expect(pulled.stdout.contains("1 file of run \(submitted.id) brought back: part.txt"), "\(pulled.stdout)")
        #expect(try text(project, "part.txt") == "partial\n")
    }
}
