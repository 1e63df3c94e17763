import AMECLI
import AMETestSupport
import Foundation
import Testing

@Suite("The example plugins (Swift, Python, C) behave alike and pass conformance")
struct ExampleTests {
    /// A testbed where the example is the only plugin, reached through AME_PLUGIN_PATH, in a
    /// project with one task.
    func testbed(for example: Examples.Example) throws -> PluginTestbed {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        try FileManager.default.createSymbolicLink(atPath: testbed.path("plugin-path/ame-\(example.name)"), withDestinationPath: example.path)
        try testbed.write("project/ame.yaml", """
            projectname: demo
            tasks:
              train:
                runcommand: python train.py
              evaluate:
                runcommand: python evaluate.py

            """, mode: 0o644)
        try testbed.write("project/train.py", "print('training')\n", mode: 0o644)
        return testbed
    }

    @Test("ame plugin test passes", arguments: Examples.all)
    func conformance(_ example: Examples.Example) async throws {
        let testbed = try testbed(for: example)
        let result = await testbed.run(["plugin", "test", example.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("All 7 checks passed."), "\(result.stdout)")
    }

    @Test("greet: output, options and data", arguments: Examples.all)
    func greet(_ example: Examples.Example) async throws {
        let testbed = try testbed(for: example)
        var result = await testbed.run([example.name, "greet", "--name", "Ada"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Hello, Ada!\n")
        result = await testbed.run([example.name, "greet", "--shout"])
        #expect(result.stdout == "HELLO, WORLD!\n")
        result = await testbed.run([example.name, "greet", "-n", "Bo"], environment: ["AME_OUTPUT": "json"])
        #expect(result.stdout.contains("Hello, Bo!\n"))
        #expect(result.stdout.contains(#""greeting" : "Hello, Bo!""#))
        result = await testbed.run([example.name])
        #expect(result.stdout == "Hello, world!\n", "greet is the default")
    }

    @Test("usage errors end with 64, help with 0", arguments: Examples.all)
    func usage(_ example: Examples.Example) async throws {
        let testbed = try testbed(for: example)
        var result = await testbed.run([example.name, "greet", "--no-such-flag"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        result = await testbed.run([example.name, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("greet"))
        #expect(result.stdout.contains("submit"))
    }

    @Test("fail: the plugin's message, hint and exit status", arguments: Examples.all)
    func fail(_ example: Examples.Example) async throws {
        let testbed = try testbed(for: example)
        let result = await testbed.run([example.name, "fail"])
        #expect(result.status == 3)
        #expect(result.stderr.hasSuffix("error: this command always fails\n  hint: that is its purpose\n"), "\(result.stderr)")
    }

    @Test("project: project.get hands over the parsed ame.yaml", arguments: Examples.all)
    func project(_ example: Examples.Example) async throws {
        let testbed = try testbed(for: example)
        let result = await testbed.run([example.name, "project"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "project demo: train, evaluate\n")

        // Outside a project: the host's error reaches the user through the plugin.
        testbed.workingDirectory = testbed.url.appendingPathComponent("home")
        let outside = await testbed.run([example.name, "project"])
        #expect(outside.status != 0)
        #expect(outside.stderr.contains("there is no ame.yaml"), "\(outside.stderr)")
    }

    @Test("submit: run.submit uploads through the host, run.logs streams, the run's exit code is ame's", arguments: Examples.all)
    func submit(_ example: Examples.Example) async throws {
        let testbed = try testbed(for: example)
        let engine = FakeJobsAPI(exitCode: 3, logText: "epoch 1: loss 0.5\n")
        let result = await testbed.run([example.name, "submit", "train"], environment: ["AME_TOKEN": "never-shown"],
                                       services: engine.services())
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout == "epoch 1: loss 0.5\nrun r-1 of task train finished with exit code 3\n")
        let request = try #require(engine.submittedRequests.first)
        #expect(request.task == "train")
        #expect(request.labels["plugin"] == example.name)
        #expect(request.manifest.entry(at: "ame.yaml") != nil)
        #expect(request.manifest.entry(at: "train.py") != nil)
        #expect(engine.uploadedDigests.count == request.manifest.count, "every blob the engine lacked was uploaded first")
    }

    @Test("Python round trip: project.get, then run.submit, then the run's exit code")
    func pythonRoundTrip() async throws {
        let testbed = try testbed(for: Examples.python)
        let engine = FakeJobsAPI(exitCode: 7, logText: "done\n")
        let result = await testbed.run(["hello-python", "submit", "train"], services: engine.services())
        #expect(result.status == 7, "\(result.stderr)")
        #expect(result.stderr.contains("submitted run r-1 of task train"))
        #expect(result.stdout.hasSuffix("run r-1 of task train finished with exit code 7\n"))
        #expect(engine.submittedRequests.first?.labels == ["plugin": "hello-python", "example": "python"])

        // project.get is consulted first: an unknown task never reaches the engine.
        let unknown = await testbed.run(["hello-python", "submit", "deploy"], services: engine.services())
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("project demo has no task 'deploy'"))
        #expect(unknown.stderr.contains("hint: its tasks: train, evaluate"))
        #expect(engine.submittedRequests.count == 1)
    }

    @Test("Python round trip on the real embedded engine: project.get, run.submit, the run's exit code")
    func pythonRoundTripOnTheEngine() async throws {
        // The real `ame` binary starts the run agent, so the testbed uses the built one.
        let testbed = try PluginTestbed(useBuildFolder: true)
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        try FileManager.default.createSymbolicLink(atPath: testbed.path("plugin-path/ame-hello-python"), withDestinationPath: Examples.python.path)
        try testbed.write("project/ame.yaml", """
            projectname: demo
            tasks:
              train:
                runcommand: echo "training for real"; exit 7
                dependencies: none
              evaluate:
                runcommand: "true"

            """, mode: 0o644)
        let result = await testbed.run(["hello-python", "submit", "train"])
        #expect(result.status == 7, "\(result.stderr)")
        #expect(result.stdout.contains("finished with exit code 7"), "\(result.stdout)")
        // The run is a real one: the engine lists it, labelled with the plugin.
        let runs = await testbed.run(["runs", "--json"])
        #expect(runs.stdout.contains("\"task\" : \"train\""), "\(runs.stdout)")
        #expect(runs.stdout.contains("\"exitCode\" : 7"))
    }

    @Test("Swift plugins: $/cancel cancels the command's task and its pending host calls")
    func swiftCancellation() async throws {
        let testbed = try testbed(for: Examples.swift)
        let engine = FakeJobsAPI(logText: "step 1\n", endlessLogs: true)
        let terminal = TestTerminal()
        let session = PluginSession(name: "hello", path: Examples.swift.path, protocolVersion: 1,
                                    context: testbed.context(terminal: terminal), services: engine.services())
        let (interrupts, press) = AsyncStream<Void>.makeStream()
        let presser = Task {
            while !terminal.stdout.contains("step 1") { try await Task.sleep(for: .milliseconds(20)) }
            press.yield()
        }
        defer { presser.cancel() }
        let started = ContinuousClock.now
        let status = try await session.run(argv: ["submit", "train"], interrupts: interrupts)
        #expect(status == 130)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
