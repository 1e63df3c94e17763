import AMECLI
import AMEPluginKit
import AMETestSupport
import Foundation
import Testing

/// Completion of plugin command lines: from the cached describe document without starting
/// the plugin, and through the `complete` request (one second at most) for values the
/// document marks `dynamic`.
@Suite("Plugin completion: describe documents and the complete request")
struct CompletionRequestTests {
    static func describe(_ name: String) -> String {
        #"{"schemaVersion":1,"name":"\#(name)","version":"1.0.0","vendor":"tests","shortDescription":"Picks things.","protocol":{"min":1,"max":1},"commands":[{"name":"pick","abstract":"Pick one.","options":[{"names":["--file"],"takesValue":true,"completion":{"kind":"file","extensions":["csv"]}},{"names":["--into"],"takesValue":true,"completion":{"kind":"directory"}}],"arguments":[{"name":"thing","completion":{"kind":"dynamic"}}]},{"name":"show","arguments":[{"name":"run","completion":{"kind":"run"}}]}]}"#
    }

    /// Answers `complete` with fixed candidates (after noise on stderr, which must not
    /// reach the terminal), recording the request it got.
    static func answering(_ name: String) -> String {
        FixturePlugin.script(name: name, describe: "printf '%s\\n' '\(describe(name))'", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            printf '%s\\n' "$line" > "$(dirname "$0")/last-request"
            echo "some noise on stderr" >&2
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":{"candidates":["apple",{"value":"apricot","description":"a fruit"},"banana"]}}'
            """)
    }

    func testbed(_ scripts: [String: String]) throws -> PluginTestbed {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        testbed.environment["AME_TEST_SPAWNS"] = testbed.path("spawns")
        for (name, script) in scripts { try testbed.write("plugin-path/ame-\(name)", script) }
        return testbed
    }

    @Test("a dynamic argument is asked of the plugin with 'complete'; candidates are filtered and formatted per shell")
    func dynamicValues() async throws {
        let testbed = try testbed(["fruit": Self.answering("fruit")])
        let plain = await testbed.run(["plugin", "complete", "--", "fruit", "pick", "ap"])
        #expect(plain.status == 0)
        #expect(plain.stdout == "apple\napricot\n")
        #expect(plain.stderr.isEmpty)
        let request = try String(contentsOfFile: testbed.path("plugin-path/last-request"), encoding: .utf8)
        let message = try JSONParser.parse(Data(request.utf8))
        #expect(message["method"]?.stringValue == "complete")
        #expect(message["params"]?["argv"] == .array([.string("pick"), .string("ap")]))

        let fish = await testbed.run(["plugin", "complete", "--shell", "fish", "--", "fruit", "pick", "ap"])
        #expect(fish.stdout == "apple\napricot\ta fruit\n")
        let zsh = await testbed.run(["plugin", "complete", "--shell", "zsh", "--", "fruit", "pick", ""])
        #expect(zsh.stdout == "apple\napricot:a fruit\nbanana\n")
    }

    @Test("an uncached plugin is started once for its handshake; a warm cache starts none but dynamic values")
    func spawns() async throws {
        let testbed = try testbed(["fruit": Self.answering("fruit"), "fig": FixturePlugin.script(name: "fig"),
                                   "fennel": FixturePlugin.script(name: "fennel")])
        let names = await testbed.run(["plugin", "complete", "--shell", "zsh", "--", "f"])
        #expect(names.stdout == "fennel:A fixture\nfig:A fixture\nfruit:Picks things.\n")
        #expect(testbed.spawns().count == 3, "one handshake each: \(testbed.spawns())")
        testbed.resetSpawns()

        for words in [["f"], ["fruit", ""], ["fruit", "pick", "--"], ["fig", "go", "--level", ""], ["fruit", "show", ""]] {
            let result = await testbed.run(["plugin", "complete", "--"] + words)
            #expect(result.status == 0)
            #expect(testbed.spawns().isEmpty, "ame plugin complete -- \(words) started \(testbed.spawns())")
        }
        _ = await testbed.run(["plugin", "complete", "--", "fruit", "pick", ""])
        #expect(testbed.spawns().count == 1, "the complete request itself: \(testbed.spawns())")
    }

    @Test("file and folder arguments are left to the shell (exit status 3 with the extensions, 4)")
    func paths() async throws {
        let testbed = try testbed(["fruit": Self.answering("fruit")])
        let files = await testbed.run(["plugin", "complete", "--", "fruit", "pick", "--file", ""])
        #expect(files.status == 3)
        #expect(files.stdout == "csv\n")
        let folders = await testbed.run(["plugin", "complete", "--", "fruit", "pick", "--into", ""])
        #expect(folders.status == 4)
        #expect(folders.stdout.isEmpty)
    }

    @Test("a plugin that does not answer 'complete' within a second gives no candidates, quietly, and is stopped")
    func deadline() async throws {
        let marker = "slow-\(UUID().uuidString.prefix(8))"
        let testbed = try testbed(["slow": FixturePlugin.script(name: "slow", describe: "printf '%s\\n' '\(Self.describe("slow"))'", session: """
            \(FixturePlugin.answerInitialize)
            echo "waiting" >&2
            exec sh -c 'sleep 30; : \(marker)'
            """)])
        _ = await testbed.run(["plugin", "list"]) // warm the cache
        let started = ContinuousClock.now
        let result = await testbed.run(["plugin", "complete", "--", "slow", "pick", ""])
        let elapsed = ContinuousClock.now - started
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result)")
        #expect(elapsed < .seconds(3), "took \(elapsed)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(processes(containing: marker).isEmpty, "the plugin is still running")
    }

    @Test("a plugin that breaks the protocol while completing gives no candidates and prints nothing")
    func garbage() async throws {
        let testbed = try testbed(["noisy": FixturePlugin.script(name: "noisy", describe: "printf '%s\\n' '\(Self.describe("noisy"))'", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            echo "this is not JSON"
            echo "neither is this" >&2
            """)])
        let result = await testbed.run(["plugin", "complete", "--", "noisy", "pick", ""])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result)")
    }

    @Test("the examples answer 'complete' (Swift through AMEPluginKit's AMECompletion.dynamic)",
          arguments: [Examples.swift, Examples.python])
    func examples(_ example: Examples.Example) async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        try FileManager.default.createSymbolicLink(atPath: testbed.path("plugin-path/ame-\(example.name)"), withDestinationPath: example.path)
        let result = await testbed.run(["plugin", "complete", "--", example.name, "greet", "--name", "A"])
        #expect(result.status == 0)
        #expect(result.stdout == "Ada\nAlan\n", "\(result.stdout)\(result.stderr)")
        let all = await testbed.run(["plugin", "complete", "--", example.name, "greet", "-n", ""])
        #expect(all.stdout == "Ada\nAlan\nGrace\nworld\n", "\(all.stdout)")
    }

    @Test("the walker: subcommands, options, option values, positionals, after --")
    func walker() throws {
        let description = try PluginDescription(json: JSONParser.parse(Data(Self.describe("fruit").utf8)))
        func slot(_ words: [String]) -> CompletionPosition { CompletionWalker.position(in: description, words: words) }
        #expect(slot([""]).commands.map(\.name) == ["pick", "show"])
        #expect(slot(["pick", ""]).slot == .word(argument: description.commands[0].arguments?[0], index: 0))
        #expect(slot(["pick", "--file", ""]).slot == .optionValue(description.commands[0].options![0]))
        #expect(slot(["pick", "--file", "a.csv", ""]).slot == .word(argument: description.commands[0].arguments?[0], index: 0))
        #expect(slot(["pick", "apple", ""]).slot == .word(argument: nil, index: nil))
        #expect(slot(["pick", "--f"]).slot == .optionName)
        #expect(slot(["pick", "--", "-x"]).slot == .word(argument: description.commands[0].arguments?[0], index: 0))
        #expect(slot(["pick", ""]).commandPath == ["pick"])
    }

    func processes(containing marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return data.range(of: Data(marker.utf8)) != nil
        }
    }
}
