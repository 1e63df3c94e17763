import AMECLI
import AMETestSupport
import Foundation
import Testing

@Suite("Plugin sessions: misbehaving plugins, cancellation, environment")
struct SessionTests {
    func testbed(_ name: String, session: String) throws -> PluginTestbed {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        try testbed.write("plugin-path/ame-\(name)", FixturePlugin.script(name: name, session: session))
        return testbed
    }

    struct Misbehaviour: Sendable, CustomTestStringConvertible {
        var name: String
        var session: String
        var status: Int32
        var message: String
        var hint: String
        /// The session must end within this. The fixtures would run for 30 s or forever, so
        /// ending at all shows the cut; the margin is for a loaded machine.
        var within: Duration
        var testDescription: String { name }
    }

    static let misbehaviours: [Misbehaviour] = [
        Misbehaviour(name: "garbage", session: """
            echo 'about to misbehave' >&2
            \(FixturePlugin.answerInitialize)
            read -r line
            echo 'Starting the work now...'
            sleep 30
            """, status: 70, message: "plugin 'garbage' (", hint: "wrote text that is not JSON on stdout: 'Starting the work now...'", within: .seconds(10)),
        Misbehaviour(name: "crash", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            echo 'panic: index out of range' >&2
            exit 3
            """, status: 3, message: "exited with status 3 before answering 'run'", hint: "| panic: index out of range", within: .seconds(10)),
        Misbehaviour(name: "killed", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            kill -SEGV $$
            """, status: 139, message: "was killed by SIGSEGV before answering 'run'", hint: "check it with 'ame plugin test", within: .seconds(10)),
        Misbehaviour(name: "hang", session: """
            echo 'thinking about initialize' >&2
            sleep 30
            """, status: 124, message: "did not answer 'initialize' within 5 s", hint: "| thinking about initialize", within: .seconds(15)),
        Misbehaviour(name: "huge", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            yes 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' | tr -d '\\n'
            """, status: 70, message: "wrote a line longer than 8 MiB on stdout", hint: "send large data as several messages", within: .seconds(12)),
        Misbehaviour(name: "silent", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            exit 0
            """, status: 70, message: "exited before answering 'run'", hint: "must answer every request", within: .seconds(10)),
        Misbehaviour(name: "wrongid", session: """
            read -r line
            printf '%s\\n' '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":7}}'
            sleep 30
            """, status: 70, message: #"answered 'initialize' without "protocolVersion": 1"#, hint: "ame plugin test", within: .seconds(10)),
        Misbehaviour(name: "badresult", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":"done"}'
            """, status: 70, message: #"answered 'run' with something other than {"exitCode": …}"#, hint: "docs/plugins.md", within: .seconds(10)),
    ]

    @Test("a misbehaving plugin ends with a clear error naming it, its stderr, and the documented status", arguments: misbehaviours)
    func misbehaving(_ misbehaviour: Misbehaviour) async throws {
        let testbed = try testbed(misbehaviour.name, session: misbehaviour.session)
        let started = ContinuousClock.now
        let result = await testbed.run([misbehaviour.name])
        let elapsed = ContinuousClock.now - started
        #expect(result.status == misbehaviour.status, "\(result.stderr)")
        #expect(result.stderr.contains("error: plugin '\(misbehaviour.name)' ("), "\(result.stderr)")
        #expect(result.stderr.contains(misbehaviour.message), "\(result.stderr)")
        #expect(result.stderr.contains(misbehaviour.hint), "\(result.stderr)")
        #expect(elapsed < misbehaviour.within, "took \(elapsed)")
        if misbehaviour.name == "hang" { #expect(elapsed >= .seconds(5), "the initialize deadline is 5 s, not less") }
    }

    @Test("an error answer ends ame with its message, hint and mapped status")
    func errorAnswer() async throws {
        let testbed = try testbed("refuser", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"--level needs a value","data":{"hint":"try --level high"}}}'
            """)
        let result = await testbed.run(["refuser", "go", "--level"])
        #expect(result.status == 64)
        #expect(result.stderr == "error: --level needs a value\n  hint: try --level high\n")
    }

    @Test("log, progress and output notifications render as AME's own output; stderr passes through")
    func notifications() async throws {
        let testbed = try testbed("talker", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            echo 'raw stderr line' >&2
            printf '%s\\n' '{"jsonrpc":"2.0","method":"log","params":{"level":"warning","message":"disk almost full"}}'
            printf '%s\\n' '{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":"working"}}'
            printf '%s\\n' '{"jsonrpc":"2.0","method":"log","params":{"level":"debug","message":"hidden"}}'
            printf '%s\\n' '{"jsonrpc":"2.0","method":"progress","params":{"title":"upload","done":1,"total":2}}'
            printf '%s\\n' '{"jsonrpc":"2.0","method":"no.such.notification","params":{}}'
            printf '%s\\n' '{"jsonrpc":"2.0","method":"output","params":{"text":"result: 42\\n"}}'
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":{"exitCode":5,"data":{"answer":42}}}'
            """)
        var result = await testbed.run(["talker"])
        #expect(result.status == 5)
        #expect(result.stdout == "result: 42\n")
        #expect(result.stderr.contains("raw stderr line\n"))
        #expect(result.stderr.contains("warning: disk almost full\n"))
        #expect(result.stderr.contains("working\n"))
        #expect(!result.stderr.contains("hidden"))
        #expect(!result.stderr.contains("upload"), "no progress bar when stderr is not a terminal")

        result = await testbed.run(["talker"], environment: ["AME_OUTPUT": "json"])
        #expect(result.stdout.contains("result: 42\n"))
        #expect(result.stdout.contains("\"answer\" : 42"))
    }

    @Test("the plugin gets the AME_* variables and never the token")
    func environment() async throws {
        let testbed = try testbed("envy", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            printf '{"jsonrpc":"2.0","method":"output","params":{"text":"%s|%s|%s|%s|%s|%s\\\\n"}}\\n' "$AME_PLUGIN_PROTOCOL" "$AME_BIN" "$AME_CONFIG_DIR" "$AME_DATA_DIR" "$AME_OUTPUT" "${AME_TOKEN:-no token}"
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":{"exitCode":0}}'
            """)
        let result = await testbed.run(["envy"], environment: ["AME_TOKEN": "s3cret-token", "AME_SERVER": "https://ame.example"])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = ["1", testbed.executablePath, testbed.path("config/ame"), testbed.path("data/ame"), "text", "no token"]
        #expect(result.stdout == expected.joined(separator: "|") + "\n")
        #expect(!result.stdout.contains("s3cret"))
    }

    @Test("host calls: unknown methods, bad parameters and unknown runs get JSON-RPC errors")
    func hostErrors() async throws {
        let testbed = try testbed("caller", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            printf '%s\\n' '{"jsonrpc":"2.0","id":10,"method":"no.such.method","params":{}}'
            read -r a; echo "$a" >&2
            printf '%s\\n' '{"jsonrpc":"2.0","id":11,"method":"run.get","params":{"nope":1}}'
            read -r b; echo "$b" >&2
            printf '%s\\n' '{"jsonrpc":"2.0","id":12,"method":"tunnel.open","params":{"runId":"r-1","port":8888}}'
            read -r c; echo "$c" >&2
            printf '%s\\n' '{"jsonrpc":"2.0","id":13,"method":"run.get","params":{"id":"r-1"}}'
            read -r d; echo "$d" >&2
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":{"exitCode":0}}'
            """)
        let result = await testbed.run(["caller"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stderr)")
        guard lines.count == 4 else { return }
        #expect(lines[0].contains(#""id":10"#) && lines[0].contains(#""code":-32601"#))
        #expect(lines[1].contains(#""id":11"#) && lines[1].contains(#""code":-32602"#) && lines[1].contains("'id' is missing"))
        // The engine is real: a run that does not exist is an error naming it.
        #expect(lines[2].contains(#""id":12"#) && lines[2].contains(#""error""#) && lines[2].contains("run r-1 not found"), "\(lines[2])")
        #expect(lines[3].contains(#""id":13"#) && lines[3].contains(#""error""#) && lines[3].contains("run r-1 not found"), "\(lines[3])")
    }

    // MARK: Ctrl-C

    /// A session driven directly, with the test pressing Ctrl-C.
    func cancellation(script session: String, presses: Int) async throws -> (status: Int32?, error: CLIError?, elapsed: Duration, stderr: String) {
        let testbed = try PluginTestbed()
        let path = try testbed.write("plugin-path/ame-stubborn", FixturePlugin.script(name: "stubborn", session: session))
        testbed.environment["AME_TEST_READY"] = testbed.path("ready")
        let terminal = TestTerminal()
        let session = PluginSession(name: "stubborn", path: path, protocolVersion: 1, context: testbed.context(terminal: terminal),
                                    services: FakeJobsAPI().services())
        let (interrupts, press) = AsyncStream<Void>.makeStream()
        let started = ContinuousClock.now
        let presser = Task {
            // Press only once the plugin is at work, then once a second.
            while !FileManager.default.fileExists(atPath: testbed.path("ready")) { try await Task.sleep(for: .milliseconds(20)) }
            for _ in 0..<presses {
                press.yield()
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        defer { presser.cancel() }
        do {
            let status = try await session.run(argv: [], interrupts: interrupts)
            return (status, nil, ContinuousClock.now - started, terminal.stderr)
        } catch let error as CLIError {
            return (nil, error, ContinuousClock.now - started, terminal.stderr)
        }
    }

    @Test("the first Ctrl-C sends $/cancel and a cooperative plugin stops with status 130")
    func cancelCooperative() async throws {
        let outcome = try await cancellation(script: """
            \(FixturePlugin.answerInitialize)
            read -r line
            touch "$AME_TEST_READY"
            read -r cancel
            case "$cancel" in *'"$/cancel"'*) printf '%s\\n' '{"jsonrpc":"2.0","id":2,"error":{"code":-32002,"message":"cancelled"}}';; esac
            """, presses: 1)
        #expect(outcome.status == 130)
        #expect(outcome.stderr.contains("asked stubborn to stop"))
        // These plugins would run forever: ending at all is the point; the bound only
        // catches a session that waits for a deadline it should not have.
        #expect(outcome.elapsed < .seconds(10))
    }

    @Test("the second Ctrl-C terminates, the third kills")
    func cancelEscalates() async throws {
        // Ignores $/cancel, and SIGTERM too: only SIGKILL stops it.
        let outcome = try await cancellation(script: """
            trap '' TERM
            \(FixturePlugin.answerInitialize)
            read -r line
            touch "$AME_TEST_READY"
            while :; do sleep 0.1; done
            """, presses: 3)
        #expect(outcome.status == 130)
        #expect(outcome.stderr.contains("terminating stubborn"))
        #expect(outcome.elapsed < .seconds(10))
    }

    @Test("a plugin that honours SIGTERM stops on the second Ctrl-C")
    func cancelTerminates() async throws {
        let outcome = try await cancellation(script: """
            \(FixturePlugin.answerInitialize)
            read -r line
            touch "$AME_TEST_READY"
            while :; do sleep 0.1; done
            """, presses: 2)
        #expect(outcome.status == 130)
        #expect(outcome.elapsed < .seconds(10))
    }
}
