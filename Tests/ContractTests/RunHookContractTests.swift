import AMECore
import AMESystem
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// Run hooks (`.ame/hooks/NAME.json`): env and a wrapper a plugin contributes to every run
/// of a project, applied by the engine wherever the run goes.
@Suite("Run hook contract", .timeLimit(.minutes(5)))
struct RunHookContractTests {
    /// A wrapper that reports what it was given, then runs the step's command.
    static let wrapper = """
        #!/bin/sh
        echo "wrapper: task=$AME_TASK step=$AME_STEP attempt=$AME_ATTEMPT command=[$AME_COMMAND]"
        echo "wrapper: env keys=[$AME_ENV_KEYS] resources=$AME_RESOURCES hooked=$HOOKED"
        echo "wrapper: argv=[$*]"
        "$@"
        status=$?
        echo "wrapper: exit $status"
        exit $status
        """

    @Test("a hook's env reaches every step (the task's env wins); its wrapper runs each batch step and passes the exit code on",
          arguments: Transport.withKubernetes)
    func envAndWrapper(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: hooked
                tasks:
                  show:
                    runcommand: echo "hooked=$HOOKED chosen=$CHOSEN it's quoted"
                    dependencies: none
                    env: {CHOSEN: by-task}
                    resources: {cpu: 1, memory: 256Mi}
                  fail:
                    runcommand: echo failing; exit 4
                    dependencies: none
                """,
            ".ame/hooks/demo.json": #"{"description": "test", "env": {"HOOKED": "yes", "CHOSEN": "by-hook"}, "wrap": ["/bin/sh", ".ame/hooks/wrapper.sh"]}"#,
            ".ame/hooks/wrapper.sh": Self.wrapper,
        ])
        let show = try await sandbox.ame(["run", "show"], in: project)
        #expect(show.exitCode == 0, "stderr: \(show.stderr)")
        #expect(show.stdout.contains("hooked=yes chosen=by-task it's quoted"), "stdout: \(show.stdout)")
        #expect(show.stdout.contains("wrapper: task=show step=show attempt=1 command=[echo \"hooked=$HOOKED chosen=$CHOSEN it's quoted\"]"), "stdout: \(show.stdout)")
        #expect(show.stdout.contains(#"wrapper: env keys=[CHOSEN] resources={"cpu":"1","memory":"256Mi"} hooked=yes"#), "stdout: \(show.stdout)")
        #expect(show.stdout.contains("wrapper: argv=[/bin/sh -c echo"))
        #expect(show.stdout.contains("wrapper: exit 0"))

        let fail = try await sandbox.ame(["run", "fail"], in: project)
        #expect(fail.exitCode == 4)
        #expect(fail.stdout.contains("failing"))
        #expect(fail.stdout.contains("wrapper: exit 4"))
    }

    @Test("a service run gets the hook's env but is not wrapped", arguments: Transport.withKubernetes)
    func servicesAreNotWrapped(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let port = try TCPSocket.freePort()
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: hookedservice
                tasks:
                  web:
                    runcommand: echo "service hooked=$HOOKED"; exec python3 -m http.server \(port) --bind "$AME_SERVICE_HOST"
                    dependencies: none
                    ports: [\(port)]
                """,
            ".ame/hooks/demo.json": #"{"env": {"HOOKED": "yes"}, "wrap": ["/bin/sh", ".ame/hooks/wrapper.sh"]}"#,
            ".ame/hooks/wrapper.sh": Self.wrapper,
        ])
        let runID = try await Contract.submit(sandbox, "web", in: project).id
        _ = try await Contract.waitForRun(sandbox, runID) { $0.status == .running || $0.status.isTerminal }
        var log = ""
        for _ in 0..<100 where !log.contains("service hooked=yes") {
            log = try await sandbox.ame(["logs", runID]).stdout
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = try await sandbox.ame(["cancel", runID])
        #expect(log.contains("service hooked=yes"), "log: \(log)")
        #expect(!log.contains("wrapper:"), "log: \(log)")
    }

    @Test("a broken hook file fails the submission, naming the file and the field", arguments: [Transport.embedded])
    func brokenHookFile(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        let project = try sandbox.project([
            "ame.yaml": "projectname: broken\ntasks:\n  t: {runcommand: echo never, dependencies: none}\n",
            ".ame/hooks/demo.json": #"{"env": {"GOOD": "1", "BAD": 2}, "wrapp": ["x"]}"#,
        ])
        let result = try await sandbox.ame(["run", "t"], in: project)
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains(".ame/hooks/demo.json: unknown field 'wrapp'"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("did you mean 'wrap'?"), "stderr: \(result.stderr)")
        #expect(!result.stdout.contains("never"))
        try Data(#"{"env": {"BAD": 2}}"#.utf8).write(to: project.appendingPathComponent(".ame/hooks/demo.json"))
        let second = try await sandbox.ame(["run", "t"], in: project)
        #expect(second.stderr.contains(".ame/hooks/demo.json: 'env.BAD' must be a string"), "stderr: \(second.stderr)")
    }

}
