import AMECore
import AMESystem
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What `ame run`, `logs`, `status`, `cancel` and `secret` promise, checked through the real
/// binary against every transport: "works embedded" must mean "works remote".
@Suite("Run contract", .timeLimit(.minutes(15)))
struct RunContractTests {
    /// The value's SHA-256, so a test can check it without writing the value anywhere.
    func sha256(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test("the quickstart trains, streams live, brings model.pkl and metrics.json back, exits 0", arguments: Transport.withKubernetes)
    func quickstart(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(copying: "quickstart")
        let running = try sandbox.start(["run", "train"], in: project)
        // The first epoch line arrives while the run is still going.
        #expect(await running.waitFor("epoch 1/5"), "no live output: \(running.stderrSoFar)")
        #expect(running.child.exitStatusIfEnded == nil, "the first line only appeared after the run ended")
        #expect(!running.stdoutSoFar.contains("wrote model.pkl"))
        let result = try await running.finish()
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("epoch 5/5"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("model.pkl").path))
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: project.appendingPathComponent("metrics.json"))) as? [String: Any]
        #expect((metrics?["accuracy"] as? Double ?? 0) > 0.9)
        #expect(result.stderr.contains("succeeded"))
    }

    @Test("the run's exit code is ame's exit code; stdout and stderr stay apart", arguments: Transport.available)
    func exitCode(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: codes
            tasks:
              three:
                runcommand: echo to-stdout; echo to-stderr >&2; exit 3
                dependencies: none
            """])
        let result = try await sandbox.ame(["run", "three"], in: project)
        #expect(result.exitCode == 3)
        #expect(result.stdout == "to-stdout\n")
        #expect(result.stderr.contains("to-stderr"))
        #expect(!result.stdout.contains("to-stderr"))
        let runs = try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"]))
        #expect(runs.runs.first?.status == .failed)
        #expect(runs.runs.first?.exitCode == 3)
    }

    @Test("a secret reaches the task as its variable and is masked everywhere it is stored or shown", arguments: Transport.withKubernetes)
    func secrets(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let value = "s3cr3t-\(UUID().uuidString.prefix(12))"
        let set = try await sandbox.ame(["secret", "set", "apikey"], input: Data(value.utf8))
        #expect(set.exitCode == 0, "\(set.stderr)")
        let listed = try await sandbox.ame(["secret", "list", "--json"])
        #expect(listed.stdout.contains("apikey"))
        #expect(!listed.stdout.contains(value))
        // The task prints the value whole, and in two halves written apart (a chunk
        // boundary in the middle of the secret), and proves it received it.
        let project = try sandbox.project(["ame.yaml": """
            projectname: secrets
            tasks:
              show:
                runcommand: >-
                  echo "whole: $API_KEY";
                  python3 -c "import os,sys,time; v=os.environ['API_KEY']; sys.stdout.write('split: '+v[:7]); sys.stdout.flush(); time.sleep(0.3); sys.stdout.write(v[7:]+'\\n')";
                  test "$(printf %s "$API_KEY" | sha256sum | cut -c1-64)" = "\(sha256(value))" && echo received-correctly
                dependencies: none
                secrets:
                  name: apikey
                  envkey: API_KEY
            """])
        let run = try await sandbox.ame(["run", "show"], in: project)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("received-correctly"))
        #expect(run.stdout.contains("whole: ***"))
        #expect(run.stdout.contains("split: ***"))
        #expect(!run.stdout.contains(value) && !run.stderr.contains(value))
        let id = try #require(try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"])).runs.first?.id)
        let logs = try await sandbox.ame(["logs", id])
        #expect(logs.stdout.contains("whole: ***"))
        #expect(!logs.stdout.contains(value))
        let jsonLogs = try await sandbox.ame(["logs", id, "--json"])
        #expect(!jsonLogs.stdout.contains(value))
        for file in Contract.dataFiles(sandbox) {
            #expect(!Contract.contains(file, value), "the secret is stored in clear in \(file.path)")
        }
    }

    @Test("a missing secret fails the run before it starts, naming the secret and the task", arguments: Transport.withKubernetes)
    func missingSecret(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: nosecret
            tasks:
              train:
                runcommand: touch started
                dependencies: none
                secrets: {name: hf_token, envkey: HF_TOKEN}
            """])
        let result = try await sandbox.ame(["run", "train"], in: project)
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains("hf_token"))
        #expect(result.stderr.contains("train"))
        #expect(result.stderr.contains("ame secret set hf_token"))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("started").path))
        // One failure, one message.
        #expect(result.stderr.components(separatedBy: "hf_token").count == 3, "the message and its hint, once: \(result.stderr)")
    }

    @Test("a step killed for memory is retried with double the memory and succeeds", arguments: Transport.withKubernetes)
    func outOfMemoryRetry(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: memory
            tasks:
              big:
                runcommand: python3 -c "import time; b = b'x' * (400 * 1024 * 1024); time.sleep(1.5); print('allocated', len(b) // 1048576, 'MiB')"
                dependencies: none
                resources: {memory: 256Mi}
                retry: {oom: {factor: 2}}
              big-no-retry:
                runcommand: python3 -c "import time; b = b'x' * (400 * 1024 * 1024); time.sleep(1.5); print('allocated')"
                dependencies: none
                resources: {memory: 256Mi}
            """])
        let retried = try await sandbox.ame(["run", "big"], in: project)
        #expect(retried.exitCode == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("allocated 400 MiB"))
        #expect(retried.stderr.contains("out of memory"))
        #expect(retried.stderr.contains("retrying with 512Mi"))
        let id = try #require(try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"])).runs.first?.id)
        let run = try await Contract.status(sandbox, id)
        let attempts = try #require(run.steps.first?.attempts)
        #expect(attempts.count == 2)
        #expect(attempts.first?.outcome == .outOfMemory)
        #expect(attempts.first?.resources.memory?.text == "256Mi")
        #expect(attempts.last?.resources.memory?.text == "512Mi")
        #expect(attempts.last?.status == .succeeded)

        let failed = try await sandbox.ame(["run", "big-no-retry"], in: project)
        #expect(failed.exitCode == 137)
        #expect(failed.stderr.contains("memory"))
        #expect(failed.stderr.contains("256Mi"))
    }

    @Test("a run that needs more cpus than are free waits, queued with the reason, until the first ends", arguments: Transport.available)
    func queuedForCapacity(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport, engineConfig: "capacity: {cpu: 2}\n")
        try await sandbox.prepare()
        // The first run holds the cpus until the test opens the gate: no sleep to race against
        // on a loaded machine.
        let gate = FileGate(in: sandbox.gatesDirectory, name: "gate-first")
        let project = try sandbox.project(["ame.yaml": """
            projectname: capacity
            tasks:
              first:
                runcommand: \(gate.shellWait); echo first-done
                dependencies: none
                resources: {cpu: 2}
              second:
                runcommand: echo second-done
                dependencies: none
                resources: {cpu: 2}
            """])
        let first = try await Contract.submit(sandbox, "first", in: project)
        _ = try await Contract.waitForRun(sandbox, first.id) { $0.status == .running }
        let second = try await Contract.submit(sandbox, "second", in: project)
        let queued = try await Contract.waitForRun(sandbox, second.id, timeout: .seconds(10)) { $0.reason?.contains("waiting") == true }
        #expect(queued.status == .queued)
        #expect(queued.reason?.contains("cpu") == true, "reason: \(queued.reason ?? "none")")
        let firstNow = try await Contract.status(sandbox, first.id)
        #expect(firstNow.status == .running, "the second run must still wait while the first runs")
        let stillQueued = try await Contract.status(sandbox, second.id)
        #expect(stillQueued.status == .queued)
        try gate.open()
        let done = try await Contract.waitForRun(sandbox, second.id) { $0.status.isTerminal }
        #expect(done.status == .succeeded)
        let firstDone = try await Contract.status(sandbox, first.id)
        #expect(firstDone.status == .succeeded)
        // The second started only after the first had finished.
        if let firstEnd = firstDone.finishedAt, let secondStart = done.startedAt {
            #expect(secondStart >= firstEnd.addingTimeInterval(-0.5))
        }
    }

    @Test("detach, then logs -f --from the printed offset: the rest, no line lost or repeated", arguments: Transport.withKubernetes)
    func reattach(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        // The run writes half its lines, waits for the test's gate, then writes the rest: the
        // follower is interrupted while the run is certainly still running.
        let gate = FileGate(in: sandbox.gatesDirectory, name: "gate-reattach")
        let project = try sandbox.project(["ame.yaml": """
            projectname: reattach
            tasks:
              count:
                runcommand: for i in $(seq 1 20); do echo "line $i"; done; \(gate.shellWait); for i in $(seq 21 40); do echo "line $i"; sleep 0.01; done
                dependencies: none
            """])
        let submitted = try await Contract.submit(sandbox, "count", in: project)
        let follow = try sandbox.start(["logs", submitted.id, "-f"], in: project)
        #expect(await follow.waitFor("line 10\n"))
        follow.interrupt()
        let firstPart = try await follow.finish(timeout: .seconds(30))
        try gate.open()
        let hint = try #require(firstPart.stderr.split(separator: "\n").first { $0.contains("--from") }, "no re-attach hint: \(firstPart.stderr)")
        let offset = try #require(hint.split(separator: " ").last.map(String.init))
        let rest = try await sandbox.ame(["logs", submitted.id, "-f", "--from", offset], in: project)
        #expect(rest.exitCode == 0, "\(rest.stderr)")
        let lines = (firstPart.stdout + rest.stdout).split(separator: "\n").map(String.init)
        #expect(lines == (1...40).map { "line \($0)" })
    }

    @Test("Ctrl-C cancels the run and stops its processes", arguments: Transport.withKubernetes)
    func interruptCancels(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let marker = "\(Int.random(in: 1000...9999))"
        let project = try sandbox.project(["ame.yaml": """
            projectname: interrupt
            tasks:
              long:
                runcommand: echo started; sleep 3\(marker).5 & sleep 3\(marker).25; echo never
                dependencies: none
            """])
        let running = try sandbox.start(["run", "long"], in: project)
        #expect(await running.waitFor("started"))
        #expect(!Contract.processes(containing: "3\(marker).5").isEmpty)
        running.interrupt()
        let result = try await running.finish(timeout: .seconds(60))
        #expect(result.exitCode == 130, "stderr: \(result.stderr)")
        #expect(!result.stdout.contains("never"))
        let runs = try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"]))
        #expect(runs.runs.first?.status == .cancelled)
        // Both the command and the process it left in the background are gone.
        var left = Contract.processes(containing: "3\(marker).")
        for _ in 0..<50 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            left = Contract.processes(containing: "3\(marker).")
        }
        #expect(left.isEmpty, "processes left behind: \(left)")
    }

    @Test("ame cancel stops a detached run; status shows it", arguments: Transport.withKubernetes)
    func cancelCommand(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: cancel
            tasks:
              long:
                runcommand: echo begun; sleep 120
                dependencies: none
            """])
        let submitted = try await Contract.submit(sandbox, "long", in: project)
        _ = try await Contract.waitForRun(sandbox, submitted.id) { $0.status == .running }
        let cancelled = try await sandbox.ame(["cancel", submitted.id, "--json"])
        #expect(cancelled.exitCode == 0, "\(cancelled.stderr)")
        let run = try await Contract.waitForRun(sandbox, submitted.id) { $0.status.isTerminal }
        #expect(run.status == .cancelled)
        #expect(run.exitCode == 130)
        let again = try await sandbox.ame(["cancel", submitted.id])
        #expect(again.stdout.contains("already ended"))
        let unknown = try await sandbox.ame(["status", "r000000000000"])
        #expect(unknown.exitCode != 0)
        #expect(unknown.stderr.contains("not found"))
    }

    @Test("while a step's command runs, status shows its attempt running, not preparing", arguments: Transport.withKubernetes)
    func attemptRunning(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let gate = FileGate(in: sandbox.gatesDirectory, name: "gate-attempt")
        let project = try sandbox.project(["ame.yaml": """
            projectname: attempts
            tasks:
              wait:
                runcommand: echo started; \(gate.shellWait); echo done
                dependencies: none
            """])
        let submitted = try await Contract.submit(sandbox, "wait", in: project)
        let logs = try sandbox.start(["logs", submitted.id, "-f"], in: project)
        #expect(await logs.waitFor("started"), "\(logs.stderrSoFar)")
        let running = try await Contract.status(sandbox, submitted.id)
        #expect(running.status == .running)
        #expect(running.steps.first?.attempts.map(\.status) == [.running], "\(running.steps)")
        let shown = try await sandbox.ame(["status", submitted.id], in: project)
        #expect(!shown.stdout.contains("preparing"), "\(shown.stdout)")
        try gate.open()
        _ = try await logs.finish(timeout: .seconds(120))
        let done = try await Contract.waitForRun(sandbox, submitted.id) { $0.status.isTerminal }
        #expect(done.steps.first?.attempts.map(\.status) == [.succeeded])
    }

    @Test("a pipeline runs its steps in order, shares files between them, and stops at a failed step", arguments: Transport.withKubernetes)
    func pipeline(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: steps
            tasks:
              ok:
                dependencies: none
                pipeline:
                  make: {runcommand: "mkdir -p out && echo made > out/a.txt"}
                  use: {runcommand: "cat out/a.txt && echo used >> out/a.txt"}
              broken:
                dependencies: none
                pipeline:
                  first: {runcommand: "echo first > first.txt"}
                  fails: {runcommand: "exit 4"}
                  never: {runcommand: "echo never > never.txt"}
            """])
        let ok = try await sandbox.ame(["run", "ok"], in: project)
        #expect(ok.exitCode == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("made"))
        #expect(try String(contentsOf: project.appendingPathComponent("out/a.txt"), encoding: .utf8) == "made\nused\n")

        let broken = try await sandbox.ame(["run", "broken"], in: project)
        #expect(broken.exitCode == 4)
        #expect(broken.stderr.contains("step 'fails'"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("first.txt").path))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("never.txt").path))
        let id = try #require(try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"])).runs.first?.id)
        let run = try await Contract.status(sandbox, id)
        #expect(run.steps.map(\.status) == [RunStatus.succeeded, .failed, .skipped])
    }

    @Test("a file changed locally during the run is kept; the run's version lands beside it", arguments: Transport.available)
    func artifactConflict(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let gate = FileGate(in: sandbox.gatesDirectory, name: "gate-conflict")
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: conflict
                tasks:
                  write:
                    runcommand: echo started; \(gate.shellWait); echo from-run > notes.txt; echo new > fresh.txt
                    dependencies: none
                """,
            "notes.txt": "original\n",
        ])
        let running = try sandbox.start(["run", "write"], in: project)
        // Edit only once the run has started (the project was uploaded before that), and let
        // the run write its version only after the edit.
        #expect(await running.waitFor("started"))
        try Data("edited locally\n".utf8).write(to: project.appendingPathComponent("notes.txt"))
        try gate.open()
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try String(contentsOf: project.appendingPathComponent("notes.txt"), encoding: .utf8) == "edited locally\n")
        let beside = try FileManager.default.contentsOfDirectory(atPath: project.path).filter { $0.hasPrefix("notes.txt.ame-") }
        #expect(beside.count == 1)
        if let name = beside.first {
            #expect(try String(contentsOf: project.appendingPathComponent(name), encoding: .utf8) == "from-run\n")
        }
        #expect(try String(contentsOf: project.appendingPathComponent("fresh.txt"), encoding: .utf8) == "new\n")
        #expect(result.stderr.contains("notes.txt changed here"))
    }

    /// The original AME's test_data/test_projects/executors/pipenv, recreated: a Pipfile that
    /// asks for Python 3.10 while AME's tools run on this machine's default Python.
    static let pipenvProject = [
        "ame.yaml": "projectname: pipenv\ntasks:\n  main:\n    runcommand: python main.py\n",
        "Pipfile": """
            [[source]]
            url = "https://pypi.org/simple"
            verify_ssl = true
            name = "pypi"

            [packages]
            six = "==1.17.0"

            [requires]
            python_version = "3.10"

            """,
        "main.py": "import six, sys\nprint('six', six.__version__, 'on python', '.'.join(map(str, sys.version_info[:2])))\n",
    ]

    static var hasPython310: Bool {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: (ProcessInfo.processInfo.environment["PYENV_ROOT"] ?? NSHomeDirectory() + "/.pyenv") + "/versions")) ?? []
        return versions.contains { $0.hasPrefix("3.10.") } || FileManager.default.isExecutableFile(atPath: "/usr/bin/python3.10")
    }

    @Test("the original AME's pipenv project (Python 3.10) runs; a Python this machine lacks is refused before, naming it",
          .enabled(if: hasPython310, "needs a Python 3.10 on this machine"), arguments: Transport.available)
    func pipenvProject(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(Self.pipenvProject)
        let result = try await sandbox.ame(["run", "main"], in: project, timeout: .seconds(900))
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "six 1.17.0 on python 3.10\n", "\(result.stderr)")
        #expect(!result.stderr.contains("Traceback"), "\(result.stderr)")

        var lacking = Self.pipenvProject
        lacking["Pipfile"] = lacking["Pipfile"]?.replacingOccurrences(of: "\"3.10\"", with: "\"3.5\"")
        let refused = try await sandbox.ame(["run", "main"], in: try sandbox.project(lacking))
        #expect(refused.exitCode != 0)
        #expect(refused.stdout.isEmpty, "the command ran: \(refused.stdout)")
        #expect(refused.stderr.contains("needs Python 3.5"), "\(refused.stderr)")
        #expect(refused.stderr.components(separatedBy: "needs Python 3.5").count == 2, "said once: \(refused.stderr)")
        #expect(!refused.stderr.contains("Traceback"), "\(refused.stderr)")
    }

    @Test("a task's image: is not used by the local executor, and the run says so once", arguments: Transport.available)
    func imageIgnoredLocally(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: images
            tasks:
              show:
                runcommand: echo ran here
                dependencies: none
                image: registry.example.com/team/does-not-exist:1
            """])
        let result = try await sandbox.ame(["run", "show"], in: project)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "ran here\n")
        let note = "'image: registry.example.com/team/does-not-exist:1' is used on Kubernetes only"
        #expect(result.stderr.components(separatedBy: note).count == 2, "said once: \(result.stderr)")
    }

    @Test("--env reaches the task; without a task and a terminal, ame lists the tasks", arguments: Transport.withKubernetes)
    func envAndTaskChoice(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project(["ame.yaml": """
            projectname: envs
            tasks:
              show:
                runcommand: echo "$GREETING $AME_TASK"
                dependencies: none
                env: {GREETING: hello}
              other:
                runcommand: "true"
            """])
        let plain = try await sandbox.ame(["run", "show"], in: project)
        #expect(plain.stdout == "hello show\n")
        let overridden = try await sandbox.ame(["run", "show", "--env", "GREETING=bonjour"], in: project)
        #expect(overridden.stdout == "bonjour show\n")
        let noTask = try await sandbox.ame(["run"], in: project)
        #expect(noTask.exitCode == 2)
        #expect(noTask.stderr.contains("show") && noTask.stderr.contains("other"))
        let typo = try await sandbox.ame(["run", "shwo"], in: project)
        #expect(typo.stderr.contains("did you mean 'show'?"))
    }
}
