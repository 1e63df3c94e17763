import AMECLI
import AMETestSupport
import Foundation
import Testing

@Suite("Plugin discovery: search order, shadowing, PATH hygiene, invalid plugins")
struct DiscoveryTests {
    /// One plugin `ame-NAME` in `folder` (relative to the testbed).
    @discardableResult
    func plugin(_ testbed: PluginTestbed, _ folder: String, _ name: String, mode: Int = 0o755, script: String? = nil) throws -> String {
        try testbed.write("\(folder)/ame-\(name)", script ?? FixturePlugin.script(name: name), mode: mode)
    }

    @Test("the first of AME_PLUGIN_PATH, installed, beside ame, ../libexec/ame, PATH wins; the others are listed as shadowed")
    func searchOrder() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        testbed.environment["PATH"] = testbed.path("path1") + ":" + (testbed.environment["PATH"] ?? "")
        let first = try plugin(testbed, "plugin-path", "dup")
        let installed = try plugin(testbed, "data/ame/plugins/dup", "dup")
        let beside = try plugin(testbed, "ame-bin", "dup")
        // `ame` is ame-bin/ame: an installed layout's PREFIX/bin/ame with PREFIX/libexec/ame.
        let libexec = try plugin(testbed, "libexec/ame", "dup")
        let onPath = try plugin(testbed, "path1", "dup")

        var result = await testbed.run(["dup", "go"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ran \(first) go\n")

        result = await testbed.run(["plugin", "list", "--json"])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let plugins = try #require(listing["plugins"] as? [[String: Any]])
        let dup = try #require(plugins.first { $0["name"] as? String == "dup" })
        #expect(dup["path"] as? String == first)
        #expect(dup["source"] as? String == "AME_PLUGIN_PATH")
        let shadowed = (dup["shadowed"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(shadowed == [installed, beside, libexec, onPath])
        #expect((dup["shadowed"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String } == ["installed", "ame-directory", "ame-libexec", "PATH"])

        // Peel the layers off one by one: each next one wins.
        for (removed, next) in [(first, installed), (installed, beside), (beside, libexec), (libexec, onPath)] {
            try FileManager.default.removeItem(atPath: removed)
            result = await testbed.run(["dup"])
            #expect(result.stdout == "ran \(next) \n", "after removing \(removed)")
        }
    }

    @Test("relative PATH entries are never searched; duplicates and aliases count once")
    func pathHygiene() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_TEST_SPAWNS"] = testbed.path("spawns")
        try plugin(testbed, "project/relbin", "rel")
        let real = try plugin(testbed, "path1", "once")
        try FileManager.default.createSymbolicLink(atPath: testbed.path("alias"), withDestinationPath: testbed.path("path1"))
        testbed.environment["PATH"] = ["relbin", "./relbin", testbed.path("path1"), testbed.path("path1") + "/", "",
                                       testbed.path("alias"), testbed.path("path1"), "/usr/bin", "/bin"].joined(separator: ":")

        var result = await testbed.run(["rel"])
        #expect(result.status == 2, "a plugin reachable only through a relative PATH entry must not run")
        #expect(result.stderr.contains("unknown command 'rel'"))
        #expect(testbed.spawns().isEmpty)

        result = await testbed.run(["plugin", "list", "--json"])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let plugins = try #require(listing["plugins"] as? [[String: Any]])
        #expect(plugins.compactMap { $0["name"] as? String } == ["once"])
        let once = try #require(plugins.first)
        #expect(once["path"] as? String == real)
        #expect((once["shadowed"] as? [Any])?.isEmpty == true, "the same folder reached three ways is one folder")
    }

    @Test("AME_NO_PLUGINS=1 turns discovery off")
    func noPlugins() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        try plugin(testbed, "plugin-path", "off")
        testbed.environment["AME_NO_PLUGINS"] = "1"
        let result = await testbed.run(["off"])
        #expect(result.status == 2)
        #expect(await testbed.run(["plugin", "list"]).stdout.contains("AME_NO_PLUGINS=1"))
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var label: String
        var name: String
        var reason: String
        var setUp: @Sendable (PluginTestbed) throws -> Void
        var testDescription: String { label }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(label: "not executable", name: "noexec", reason: "it is not executable") { testbed in
            try testbed.write("plugin-path/ame-noexec", FixturePlugin.script(name: "noexec"), mode: 0o644)
        },
        InvalidCase(label: "group-writable file", name: "groupw", reason: "the file is group-writable") { testbed in
            try testbed.write("plugin-path/ame-groupw", FixturePlugin.script(name: "groupw"), mode: 0o775)
        },
        InvalidCase(label: "world-writable folder", name: "worldw", reason: "its folder is world-writable") { testbed in
            try testbed.write("path2/ame-worldw", FixturePlugin.script(name: "worldw"))
            try testbed.setMode("path2", 0o777)
        },
        InvalidCase(label: "name of a built-in", name: "validate", reason: "taken by the built-in command 'ame validate'") { testbed in
            try testbed.write("plugin-path/ame-validate", FixturePlugin.script(name: "validate"))
        },
        InvalidCase(label: "handshake fails", name: "failing", reason: "'--ame-describe' ended with exit code 3: no describe today") { testbed in
            try testbed.write("plugin-path/ame-failing",
                              FixturePlugin.script(name: "failing", describe: "echo 'no describe today' >&2; exit 3"))
        },
        InvalidCase(label: "handshake times out", name: "slow", reason: "'--ame-describe' did not answer within 2 s") { testbed in
            try testbed.write("plugin-path/ame-slow", FixturePlugin.script(name: "slow", describe: "sleep 30"))
        },
        InvalidCase(label: "handshake is not JSON", name: "chatty", reason: "'--ame-describe' did not print JSON (it began: 'Hello there')") { testbed in
            try testbed.write("plugin-path/ame-chatty", FixturePlugin.script(name: "chatty", describe: "echo 'Hello there'"))
        },
        InvalidCase(label: "handshake incomplete", name: "partial", reason: "its describe document is incomplete: 'version' is missing") { testbed in
            try testbed.write("plugin-path/ame-partial", FixturePlugin.script(
                name: "partial", describe: #"echo '{"schemaVersion":1,"name":"partial","vendor":"x","shortDescription":"x","protocol":{"min":1,"max":1},"commands":[]}'"#))
        },
        InvalidCase(label: "names itself differently", name: "alias", reason: "it calls itself 'other' but its file is named ame-alias") { testbed in
            try testbed.write("plugin-path/ame-alias", FixturePlugin.script(name: "alias", describe: "printf '%s\\n' '\(FixturePlugin.describe(name: "other"))'"))
        },
        InvalidCase(label: "no common protocol version", name: "future", reason: "it speaks protocol 2–3 and this AME speaks 1") { testbed in
            try testbed.write("plugin-path/ame-future", FixturePlugin.script(name: "future", min: 2, max: 3))
        },
    ]

    @Test("an invalid plugin is listed with its reason, named in help, and never run", arguments: invalidCases)
    func invalid(_ invalidCase: InvalidCase) async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        testbed.environment["PATH"] = testbed.path("path2") + ":" + (testbed.environment["PATH"] ?? "")
        testbed.environment["AME_TEST_SPAWNS"] = testbed.path("spawns")
        try invalidCase.setUp(testbed)

        let started = ContinuousClock.now
        let list = await testbed.run(["plugin", "list", "--json"])
        // The slow plugin sleeps 30 s; its handshake is cut at 2 s (the rest is a loaded machine).
        #expect(ContinuousClock.now - started < .seconds(10), "a slow handshake is cut at its deadline")
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let entry = try #require((listing["plugins"] as? [[String: Any]])?.first { $0["name"] as? String == invalidCase.name })
        #expect(entry["status"] as? String == "invalid")
        let problem = entry["problem"] as? String ?? ""
        #expect(problem.contains(invalidCase.reason), "\(problem)")

        let help = await testbed.run(["help"])
        #expect(help.stdout.contains("INVALID PLUGINS"))
        #expect(help.stdout.contains(invalidCase.name))

        // Whatever the handshake did, the session never starts (no AME_PLUGIN_PROTOCOL run).
        testbed.resetSpawns()
        let run = await testbed.run([invalidCase.name] + (invalidCase.name == "validate" ? [] : ["go"]))
        if invalidCase.name == "validate" {
            #expect(!run.stdout.contains("ran "), "the built-in runs, not the plugin")
        } else {
            #expect(run.status == 126, "\(run.stderr)")
            #expect(run.stderr.contains("plugin '\(invalidCase.name)'"))
            #expect(run.stderr.contains(invalidCase.reason))
        }
        #expect(testbed.spawns().filter { !$0.contains("--ame-describe") }.isEmpty)
    }

    @Test("a plugin named like a built-in is never started, but 'plugin exec' reaches it")
    func builtinCollision() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        testbed.environment["AME_TEST_SPAWNS"] = testbed.path("spawns")
        let path = try plugin(testbed, "plugin-path", "validate")

        _ = await testbed.run(["plugin", "list"])
        _ = await testbed.run(["help"])
        let builtin = await testbed.run(["validate"])
        #expect(!builtin.stdout.contains("ran"))
        #expect(testbed.spawns().isEmpty, "not even its handshake ran")

        let exec = await testbed.run(["plugin", "exec", "validate", "--", "--strict", "x"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout == "ran \(path) --strict,x\n")
    }

    @Test("list and dispatch resolve the same file for every name")
    func listMatchesDispatch() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path") + ":" + testbed.path("path2")
        testbed.environment["PATH"] = testbed.path("path1") + ":" + (testbed.environment["PATH"] ?? "")
        let layout: [(String, String)] = [
            ("plugin-path", "alpha"), ("path2", "alpha"), ("path2", "beta"), ("ame-bin", "beta"), ("ame-bin", "gamma"),
            ("path1", "gamma"), ("path1", "delta"), ("data/ame/plugins/epsilon", "epsilon"), ("path1", "epsilon"),
        ]
        for (folder, name) in layout { try plugin(testbed, folder, name) }

        let list = await testbed.run(["plugin", "list", "--json"])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let plugins = try #require(listing["plugins"] as? [[String: Any]])
        #expect(plugins.compactMap { $0["name"] as? String } == ["alpha", "beta", "delta", "epsilon", "gamma"])
        for plugin in plugins {
            let name = try #require(plugin["name"] as? String)
            let path = try #require(plugin["path"] as? String)
            let result = await testbed.run([name])
            #expect(result.stdout == "ran \(path) \n", "ame \(name)")
            let completion = await testbed.run(["plugin", "complete", "--", String(name.prefix(2))])
            #expect(completion.stdout.split(separator: "\n").contains(Substring(name)))
        }
    }

    @Test("--version, help and built-ins start no plugin; help needs none once the cache is warm")
    func spawnCounting() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        testbed.environment["AME_TEST_SPAWNS"] = testbed.path("spawns")
        for name in ["one", "two", "three"] { try plugin(testbed, "plugin-path", name) }
        try testbed.write("project/ame.yaml", "projectname: demo\ntasks:\n  train:\n    runcommand: python train.py\n", mode: 0o644)

        // Cold cache: nothing but plugin commands may start plugins.
        for arguments in [["--version"], ["validate"], ["tasks"], ["tasks", "--json"], ["create", "task", "eval", "--command", "python eval.py"],
                          ["validate", "--help"], ["help", "tasks"], ["nonsense-command"]] {
            _ = await testbed.run(arguments)
            #expect(testbed.spawns().isEmpty, "ame \(arguments.joined(separator: " ")) started \(testbed.spawns())")
        }

        _ = await testbed.run(["plugin", "list"])
        #expect(testbed.spawns().count == 3, "one handshake per plugin")
        testbed.resetSpawns()

        let help = await testbed.run(["help"])
        #expect(help.stdout.contains("PLUGINS:"))
        for name in ["one", "two", "three"] { #expect(help.stdout.contains("  \(name) ")) }
        _ = await testbed.run(["--help"])
        _ = await testbed.run(["help", "one"])
        _ = await testbed.run(["plugin", "list"])
        _ = await testbed.run(["plugin", "complete", "--", "one", "go", "--level", ""])
        #expect(testbed.spawns().isEmpty, "a warm cache starts nothing: \(testbed.spawns())")

        // Dispatch starts exactly the plugin it runs, once.
        _ = await testbed.run(["two", "go"])
        #expect(testbed.spawns().count == 1)

        // A changed file is described again.
        testbed.resetSpawns()
        try plugin(testbed, "plugin-path", "one", script: FixturePlugin.script(name: "one", version: "2.0.0"))
        let list = await testbed.run(["plugin", "list"])
        #expect(list.stdout.contains("2.0.0"))
        #expect(testbed.spawns().count == 1)
    }

    @Test("help and completion come from the describe document")
    func helpAndCompletion() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        try plugin(testbed, "plugin-path", "fixture")
        let help = await testbed.run(["help", "fixture", "go"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: ame fixture go [<options>]"))
        #expect(help.stdout.contains("--level <value>"))
        let values = await testbed.run(["plugin", "complete", "--", "fixture", "go", "--level", ""])
        #expect(values.stdout == "low\nhigh\n")
        let subcommands = await testbed.run(["plugin", "complete", "--", "fixture", ""])
        #expect(subcommands.stdout == "go\n")
    }
}
