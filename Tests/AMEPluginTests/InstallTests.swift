import AMECLI
import AMETestSupport
import Foundation
import Testing

@Suite("ame plugin install, remove: hashes, archive escapes, atomic upgrades")
struct InstallTests {
    /// A `.tar.gz` holding `ame-NAME` (a fixture plugin of `version`) and `extra` entries.
    func archive(_ testbed: PluginTestbed, name: String = "tool", version: String = "1.0.0", file: String = "tool.tar.gz",
                 prefix: String = "", extra: [(String, TarWriter.Kind)] = [], script: String? = nil) throws -> String {
        var writer = TarWriter()
        if !prefix.isEmpty { writer.add(prefix, .directory) }
        writer.add(prefix + "ame-\(name)", .file(script ?? FixturePlugin.script(name: name, version: version), mode: 0o755))
        writer.add(prefix + "README", .file("docs\n", mode: 0o644))
        for (path, kind) in extra { writer.add(path, kind) }
        let url = testbed.root.file(file)
        try writer.gzipped().write(to: url)
        return url.path
    }

    func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: output, as: UTF8.self).prefix(64))
    }

    /// Everything under the installed-plugins folder but the lock file and the empty store.
    func leftovers(_ testbed: PluginTestbed) -> [String] {
        let base = testbed.installedDirectory.path
        let all = (FileManager.default.enumerator(atPath: base)?.allObjects as? [String]) ?? []
        return all.filter { $0 != ".lock" && $0 != ".store" }.sorted()
    }

    @Test("install from an archive with --sha256, run it, see it listed as installed")
    func installArchive() async throws {
        let testbed = try PluginTestbed()
        let path = try archive(testbed, prefix: "tool-1.0.0/")
        let result = await testbed.run(["plugin", "install", path, "--sha256", try sha256(path).uppercased()])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Installed plugin 'tool' 1.0.0: run it with 'ame tool'.\n")
        let installedPath = testbed.installedDirectory.appendingPathComponent("tool/ame-tool").path
        #expect(await testbed.run(["tool", "x"]).stdout == "ran \(installedPath) x\n")
        #expect(FileManager.default.fileExists(atPath: testbed.installedDirectory.appendingPathComponent("tool/README").path))
        let list = await testbed.run(["plugin", "list"])
        #expect(list.stdout.contains("installed"))
    }

    @Test("install a bare executable (the Python example) and a file:// URL")
    func installExecutableAndURL() async throws {
        let testbed = try PluginTestbed()
        var result = await testbed.run(["plugin", "install", Examples.python.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(await testbed.run(["hello-python", "greet"]).stdout == "Hello, world!\n")

        let path = try archive(testbed, name: "remote")
        result = await testbed.run(["plugin", "install", URL(fileURLWithPath: path).absoluteString])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(await testbed.run(["remote"]).stdout.hasPrefix("ran "))
    }

    @Test("a wrong sha256 installs nothing and leaves nothing behind")
    func wrongHash() async throws {
        let testbed = try PluginTestbed()
        let path = try archive(testbed)
        let result = await testbed.run(["plugin", "install", path, "--sha256", String(repeating: "ab", count: 32)])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the SHA-256 of \(path) is \(try sha256(path)), not abab"))
        #expect(result.stderr.contains("nothing was installed"))
        #expect(leftovers(testbed).isEmpty, "\(leftovers(testbed))")
        #expect(await testbed.run(["tool"]).status == 2)

        let malformed = await testbed.run(["plugin", "install", path, "--sha256", "1234"])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("is not a SHA-256"))
    }

    struct Escape: Sendable, CustomTestStringConvertible {
        var label: String
        var entries: [(String, TarWriter.Kind)]
        var reason: String
        var testDescription: String { label }
    }

    static let escapes: [Escape] = [
        Escape(label: "../x", entries: [("../x", .file("owned\n", mode: 0o644))], reason: "'../x' contains '..'"),
        Escape(label: "nested ..", entries: [("lib/../../x", .file("owned\n", mode: 0o644))], reason: "'lib/../../x' contains '..'"),
        Escape(label: "/etc/x", entries: [("/etc/x", .file("owned\n", mode: 0o644))], reason: "'/etc/x' is an absolute path"),
        Escape(label: "symlink out", entries: [("lib", .directory), ("lib/escape", .symlink("../../outside"))],
               reason: "the symbolic link 'lib/escape' points outside the archive ('../../outside')"),
        Escape(label: "absolute symlink", entries: [("etc", .symlink("/etc"))], reason: "the symbolic link 'etc' points to the absolute path '/etc'"),
        Escape(label: "write through a symlink", entries: [("inside", .symlink(".")), ("inside/x", .file("owned\n", mode: 0o644))],
               reason: "'inside/x' would be written through the symbolic link 'inside'"),
        Escape(label: "hard link", entries: [("hard", .hardlink("/etc/passwd"))], reason: "'hard' is a hard link"),
    ]

    @Test("archives that would write outside their folder are refused before anything is written", arguments: escapes)
    func escape(_ escape: Escape) async throws {
        let testbed = try PluginTestbed()
        let path = try archive(testbed, extra: escape.entries)
        let result = await testbed.run(["plugin", "install", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the archive was refused: \(escape.reason)"), "\(result.stderr)")
        #expect(leftovers(testbed).isEmpty, "\(leftovers(testbed))")
        #expect(!FileManager.default.fileExists(atPath: testbed.installedDirectory.deletingLastPathComponent().appendingPathComponent("x").path))
        #expect(!FileManager.default.fileExists(atPath: testbed.url.appendingPathComponent("x").path))
    }

    @Test("a second install upgrades in one swap; a failed upgrade keeps the installed version")
    func upgrade() async throws {
        let testbed = try PluginTestbed()
        let v1 = try archive(testbed, version: "1.0.0", file: "v1.tar.gz")
        #expect(await testbed.run(["plugin", "install", v1]).status == 0)
        let link = testbed.installedDirectory.appendingPathComponent("tool").path
        let firstTarget = try FileManager.default.destinationOfSymbolicLink(atPath: link)

        let v2 = try archive(testbed, version: "2.0.0", file: "v2.tar.gz")
        let upgrade = await testbed.run(["plugin", "install", v2])
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(upgrade.stdout == "Upgraded plugin 'tool' from 1.0.0 to 2.0.0.\n")
        let secondTarget = try FileManager.default.destinationOfSymbolicLink(atPath: link)
        #expect(secondTarget != firstTarget)
        #expect(!FileManager.default.fileExists(atPath: testbed.installedDirectory.appendingPathComponent(firstTarget).path), "the old version is gone")
        let store = try FileManager.default.contentsOfDirectory(atPath: testbed.installedDirectory.appendingPathComponent(".store").path)
        #expect(store.count == 1)
        #expect(await testbed.run(["plugin", "list"]).stdout.contains("2.0.0"))

        // v3 fails its handshake: v2 stays, untouched and working.
        let v3 = try archive(testbed, version: "3.0.0", file: "v3.tar.gz",
                             script: FixturePlugin.script(name: "tool", describe: "echo 'broken' >&2; exit 1"))
        let failed = await testbed.run(["plugin", "install", v3])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("ame-tool failed its handshake"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == secondTarget)
        #expect(await testbed.run(["tool", "again"]).stdout.hasSuffix("ame-tool again\n"))
        #expect(leftovers(testbed).allSatisfy { !$0.contains(".staging") && !$0.contains(".swap") })
    }

    @Test("an archive's plugin must pass the same checks as discovery")
    func refusedPlugins() async throws {
        let testbed = try PluginTestbed()
        var result = await testbed.run(["plugin", "install", try archive(testbed, name: "validate", file: "a.tar.gz")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("'validate' is the name of a built-in command"))

        result = await testbed.run(["plugin", "install", try archive(testbed, name: "liar", file: "b.tar.gz",
                                                                      script: FixturePlugin.script(name: "truth"))])
        #expect(result.status == 1)
        #expect(result.stderr.contains("it calls itself 'truth' but its file is named ame-liar"))

        var writer = TarWriter()
        writer.add("README", .file("no plugin here\n", mode: 0o644))
        let empty = testbed.root.file("empty.tar")
        try writer.archive.write(to: empty)
        result = await testbed.run(["plugin", "install", empty.path])
        #expect(result.stderr.contains("holds no ame-NAME executable"))
        #expect(leftovers(testbed).isEmpty)
    }

    @Test("remove takes away only what install installed")
    func remove() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["PATH"] = testbed.path("path1") + ":" + (testbed.environment["PATH"] ?? "")
        let onPath = try testbed.write("path1/ame-mine", FixturePlugin.script(name: "mine"))
        #expect(await testbed.run(["plugin", "install", try archive(testbed)]).status == 0)

        var result = await testbed.run(["plugin", "remove", "tool"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Removed plugin 'tool' 1.0.0.\n")
        #expect(leftovers(testbed).isEmpty)
        #expect(await testbed.run(["tool"]).status == 2)

        result = await testbed.run(["plugin", "remove", "mine"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("plugin 'mine' at \(onPath) (PATH) was not installed by 'ame plugin install'"))
        #expect(FileManager.default.fileExists(atPath: onPath))

        result = await testbed.run(["plugin", "remove", "ghost"])
        #expect(result.stderr.contains("no plugin named 'ghost' was installed"))
    }
}

@Suite("ame plugin install over HTTP")
struct HTTPInstallTests {
    /// `python3 -m http.server` on a free port, serving `directory`.
    final class FileServer: @unchecked Sendable {
        let process = Process()
        let port: Int

        init(directory: String) throws {
            let pipe = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            var environment = ProcessInfo.processInfo.environment
            if let python = PluginTestbed.pythonDirectory { environment["PATH"] = python + ":" + (environment["PATH"] ?? "") }
            process.environment = environment
            process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory]
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            // "Serving HTTP on 127.0.0.1 port 43125 (http://127.0.0.1:43125/) ..."
            var line = Data()
            while !line.contains(0x0A) {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let words = String(decoding: line, as: UTF8.self).split(separator: " ")
            guard let index = words.firstIndex(of: "port"), index + 1 < words.count, let port = Int(words[index + 1]) else {
                process.terminate()
                throw CLIError("the test HTTP server did not start")
            }
            self.port = port
        }

        deinit { process.terminate() }
    }

    @Test("an archive URL with --sha256 installs; a missing one fails with the server's answer")
    func http() async throws {
        let testbed = try PluginTestbed()
        var writer = TarWriter()
        writer.add("ame-web", .file(FixturePlugin.script(name: "web"), mode: 0o755))
        try testbed.root.write("served/web.tar.gz", "")
        try writer.gzipped().write(to: testbed.root.file("served/web.tar.gz"))
        let server = try FileServer(directory: testbed.path("served"))
        let url = "http://127.0.0.1:\(server.port)/web.tar.gz"
        let hash = try InstallTests().sha256(testbed.path("served/web.tar.gz"))

        let result = await testbed.run(["plugin", "install", url, "--sha256", hash])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Installed plugin 'web' 1.0.0"))

        let missing = await testbed.run(["plugin", "install", "http://127.0.0.1:\(server.port)/nothing.tar.gz"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("warning: installing from a URL without --sha256"))
        #expect(missing.stderr.contains("cannot download http://127.0.0.1:\(server.port)/nothing.tar.gz"))
        #expect(missing.stderr.contains("404"))
    }
}
