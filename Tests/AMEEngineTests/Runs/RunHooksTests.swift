import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// Run hooks as the engine reads and applies them (docs/run-hooks.md).
@Suite struct RunHooksTests {
    @Test func readsEnvAndWrap() throws {
        let hook = try RunHooks.parse(Data(#"{"description": "d", "env": {"A": "1", "B_2": "x y"}, "wrap": ["python3", ".ame/hooks/w.py"]}"#.utf8),
                                      path: ".ame/hooks/demo.json")
        #expect(hook.name == "demo")
        #expect(hook.env == ["A": "1", "B_2": "x y"])
        #expect(hook.wrap == ["python3", ".ame/hooks/w.py"])
    }

    @Test(arguments: [
        (#"[1]"#, "must be a JSON object"),
        (#"{"env": {"A": "1"}, "wrapp": []}"#, "unknown field 'wrapp'"),
        (#"{"env": ["A"]}"#, "'env' must be an object"),
        (#"{"env": {"1A": "x"}}"#, "'env.1A' is not a valid environment variable name"),
        (#"{"env": {"AME_RUN_ID": "x"}}"#, "'env.AME_RUN_ID': variables starting with AME_ are AME's own"),
        (#"{"env": {"A": 1}}"#, "'env.A' must be a string"),
        (#"{"wrap": []}"#, "'wrap' must be a non-empty list"),
        (#"{"wrap": ["ok", ""]}"#, "'wrap' must be a non-empty list"),
        (#"{"env": "#, "is not valid JSON"),
    ])
    func namesTheFileAndTheField(text: String, message: String) {
        do {
            _ = try RunHooks.parse(Data(text.utf8), path: ".ame/hooks/demo.json")
            Issue.record("\(text) was accepted")
        } catch let error as APIError {
            #expect(error.message.hasPrefix(".ame/hooks/demo.json: "), "\(error.message)")
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.hint?.isEmpty == false)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func loadsOnlyHookFilesInNameOrderAndLaterEnvWins() throws {
        let files: [String: String] = [
            ".ame/hooks/b.json": #"{"env": {"X": "b"}}"#,
            ".ame/hooks/a.json": #"{"env": {"X": "a", "Y": "a"}}"#,
            ".ame/hooks/nested/c.json": #"not even JSON"#,
            ".ame/hooks/notes.txt": "ignored",
            "hooks/d.json": "ignored",
        ]
        var contents: [Digest: Data] = [:]
        var entries: [Manifest.Entry] = []
        for (index, (path, text)) in files.sorted(by: { $0.key < $1.key }).enumerated() {
            let data = Data(text.utf8)
            // Any distinct digests do: the test hands out the contents itself.
            let digest = try #require(Digest(hex: String(repeating: String(index), count: 64)))
            contents[digest] = data
            entries.append(Manifest.Entry(path: path, digest: digest, size: Int64(data.count)))
        }
        let hooks = try RunHooks.load(Manifest(entries: entries)) { digest in contents[digest] ?? Data() }
        #expect(hooks.hooks.map(\.name) == ["a", "b"])
        #expect(hooks.environment == ["X": "b", "Y": "a"])
        #expect(!hooks.wraps)
        #expect(hooks.wrapping("echo hi") == "echo hi")
    }

    @Test func wrappingNestsTheFirstHookOutermostAndSurvivesTheShell() throws {
        let hooks = RunHooks(hooks: [
            RunHook(name: "a", path: ".ame/hooks/a.json", wrap: ["/usr/bin/env", "OUTER=1"]),
            RunHook(name: "b", path: ".ame/hooks/b.json", wrap: ["/usr/bin/env", "INNER=it's"]),
        ])
        let command = #"printf '%s|%s|%s\n' "$OUTER" "$INNER" "a 'quoted' \"word\"""#
        let wrapped = hooks.wrapping(command)
        #expect(wrapped.hasPrefix("exec '/usr/bin/env' 'OUTER=1' '/usr/bin/env'"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", wrapped]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self) == "1|it's|a 'quoted' \"word\"\n")
    }
}
