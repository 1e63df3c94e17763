import AMESystem
import AMETestSupport
import Foundation
import Testing

/// `ame mlflow` with a real MLflow server from PyPI, started as a service run by the
/// plugin, and the quickstart example run through `ame run`. What is asserted about the
/// runs comes from MLflow's REST API, read by the test itself.
@Suite(.serialized) struct MLflowTests {
    @Test("start, enable, 'ame run train': one FINISHED MLflow run with the AME run id, AME's params, train.py's metric and the artifacts; a failing task is FAILED; a pipeline is one run with a run per step nested in it; 'runs --json' is what the REST API holds; the store survives stop and start",
          arguments: Transport.available)
    func recordsEveryRun(transport: Transport) async throws {
        // A sandboxed server's runs see the system and their own files, not a venv at a path
        // of this machine: there MLflow installs itself (once per machine, in the shared cache).
        let mlflow = transport == .embedded ? try MLflowSetup.mlflowExecutable() : nil
        let sandbox = try AMESandbox(transport)
        let project = try sandbox.project(copying: "quickstart")
        // Whatever happens, the server run goes (it would outlive the test otherwise).
        do {
            try await recordsEveryRun(sandbox: sandbox, project: project, mlflow: mlflow)
        } catch {
            _ = try? await sandbox.ame(["mlflow", "stop"])
            throw error
        }
        _ = try? await sandbox.ame(["mlflow", "stop"])
    }

    func recordsEveryRun(sandbox: AMESandbox, project: URL, mlflow: String?) async throws {
        // The example logs to MLflow when its environment has the client.
        let requirements = project.appendingPathComponent("requirements.txt")
        try Data((try String(contentsOf: requirements, encoding: .utf8) + MLflowSetup.clientRequirement + "\n").utf8).write(to: requirements)
        let yaml = project.appendingPathComponent("ame.yaml")
        try Data((try String(contentsOf: yaml, encoding: .utf8) + """

              broken:
                runcommand: python -c "import sys; print('going down'); sys.exit(3)"

              brokenpipe:
                pipeline:
                  first:
                    runcommand: python -c "print('first is fine')"
                  second:
                    runcommand: python -c "import sys; sys.exit(5)"

            """).utf8).write(to: yaml)

        let start = try await sandbox.ame(["mlflow", "start"] + (mlflow.map { ["--mlflow", $0] } ?? []) + ["--timeout", "1500"],
                                          in: project, timeout: .seconds(1600))
        #expect(start.exitCode == 0, "stdout: \(start.stdout)\nstderr: \(start.stderr)")
        #expect(start.stdout.contains("MLflow is serving"))
        let status = try Self.object(try await sandbox.ame(["mlflow", "status", "--json"], in: project))
        #expect(status["status"] as? String == "running")
        let port = try #require(status["port"] as? Int)
        let serverRun = try #require(status["runId"] as? String)
        let rest = MLflowREST(baseURL: "http://127.0.0.1:\(port)")
        #expect(await rest.isAnswering())

        let enable = try await sandbox.ame(["mlflow", "enable"], in: project)
        #expect(enable.exitCode == 0, "stderr: \(enable.stderr)")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent(".ame/hooks/mlflow.json").path))

        // 1. A successful run.
        let train = try await sandbox.ame(["run", "train"], in: project, timeout: .seconds(900))
        #expect(train.exitCode == 0, "stdout: \(train.stdout)\nstderr: \(train.stderr)")
        let trainRunID = try await Self.lastRunID(of: "train", sandbox: sandbox)
        let experimentID = try #require(try await rest.experimentID("quickstart"), "no experiment named after the project")
        var runs = try await rest.runs(experimentID: experimentID).map(MLflowRun.init)
        #expect(runs.count == 1, "runs: \(runs.map(\.json))")
        let trained = try #require(runs.first)
        #expect(trained.tags["ame.run_id"] == trainRunID)
        #expect(trained.tags["ame.task"] == "train")
        #expect(trained.status == "FINISHED")
        #expect(trained.endTime != nil)
        #expect((trained.metrics["accuracy"] ?? 0) > 0.9, "metrics: \(trained.metrics)")
        #expect(trained.params["ame.task"] == "train")
        #expect(trained.params["ame.command"] == "python train.py")
        #expect(trained.params["ame.resources.cpu"] == "1")
        #expect(trained.params["ame.resources.memory"] == "2Gi")
        // train.py's own mlflow.log_param landed in the same run.
        #expect(trained.params["epochs"] == "5")
        let artifacts = try await rest.artifacts(runID: trained.id)
        #expect(artifacts.contains("model.pkl") && artifacts.contains("metrics.json"), "artifacts: \(artifacts)")
        // AME brought the files back as usual.
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("model.pkl").path))

        // 2. A failing run.
        let broken = try await sandbox.ame(["run", "broken"], in: project, timeout: .seconds(600))
        #expect(broken.exitCode == 3, "stderr: \(broken.stderr)")
        let brokenRunID = try await Self.lastRunID(of: "broken", sandbox: sandbox)
        runs = try await rest.runs(experimentID: experimentID).map(MLflowRun.init)
        #expect(runs.count == 2)
        let failed = try #require(runs.first { $0.tags["ame.run_id"] == brokenRunID }, "no MLflow run for \(brokenRunID)")
        #expect(failed.status == "FAILED")
        #expect(failed.tags["ame.exit_code"] == "3")

        // 2b. A pipeline is one MLflow run with a nested run per step; a failing step fails it.
        let pipeline = try await sandbox.ame(["run", "pipeline"], in: project, timeout: .seconds(900))
        #expect(pipeline.exitCode == 0, "stderr: \(pipeline.stderr)")
        let pipelineRunID = try await Self.lastRunID(of: "pipeline", sandbox: sandbox)
        let brokenPipe = try await sandbox.ame(["run", "brokenpipe"], in: project, timeout: .seconds(600))
        #expect(brokenPipe.exitCode == 5, "stderr: \(brokenPipe.stderr)")
        let brokenPipeRunID = try await Self.lastRunID(of: "brokenpipe", sandbox: sandbox)
        runs = try await rest.runs(experimentID: experimentID).map(MLflowRun.init)
        #expect(runs.count == 2 + 3 + 3, "runs: \(runs.map { ($0.tags["ame.task"] ?? "", $0.tags["ame.step"] ?? "-", $0.status) })")
        for (ameRun, expected) in [(pipelineRunID, ["prepare": "FINISHED", "train": "FINISHED"]),
                                   (brokenPipeRunID, ["first": "FINISHED", "second": "FAILED"])] {
            let ofRun = runs.filter { $0.tags["ame.run_id"] == ameRun }
            let parents = ofRun.filter { $0.tags["ame.role"] == "pipeline" }
            #expect(parents.count == 1, "one MLflow run for AME run \(ameRun): \(ofRun.map(\.json))")
            guard let parent = parents.first else { continue }
            #expect(parent.status == (expected.values.contains("FAILED") ? "FAILED" : "FINISHED"))
            #expect(parent.endTime != nil)
            #expect(parent.params["ame.steps"] == expected.keys.sorted().joined(separator: ","))
            let children = ofRun.filter { $0.id != parent.id }
            #expect(children.allSatisfy { $0.tags["mlflow.parentRunId"] == parent.id })
            #expect(Dictionary(uniqueKeysWithValues: children.map { ($0.tags["ame.step"] ?? "", $0.status) }) == expected)
        }
        let pipelineTrain = runs.first { $0.tags["ame.run_id"] == pipelineRunID && $0.tags["ame.step"] == "train" }
        #expect((pipelineTrain?.metrics["accuracy"] ?? 0) > 0.9, "train.py logs into its step's run")

        // 3. `ame mlflow runs --json` returns what the REST API holds.
        let listed = try Self.object(try await sandbox.ame(["mlflow", "runs", "--json"], in: project))
        #expect(listed["experimentId"] as? String == experimentID)
        let listedRuns = (listed["runs"] as? [[String: Any]] ?? []).map(MLflowRun.init)
        #expect(Set(listedRuns.map(\.id)) == Set(runs.map(\.id)))
        for run in runs {
            let twin = listedRuns.first { $0.id == run.id }
            #expect(twin?.status == run.status)
            #expect(twin?.metrics == run.metrics)
            #expect(twin?.tags == run.tags)
            #expect(twin?.params == run.params)
        }
        let onlyTrain = try Self.object(try await sandbox.ame(["mlflow", "runs", "--task", "train", "--json"], in: project))
        #expect((onlyTrain["runs"] as? [[String: Any]] ?? []).map { MLflowRun(json: $0).id } == [trained.id])
        let table = try await sandbox.ame(["mlflow", "runs"], in: project)
        #expect(table.exitCode == 0)
        #expect(table.stdout.contains(trainRunID) && table.stdout.contains("FAILED") && table.stdout.contains("accuracy="))

        // `ame mlflow ui`: a tunnel to the UI until Ctrl-C.
        let ui = try sandbox.start(["mlflow", "ui"], in: project)
        #expect(await ui.waitFor("http://127.0.0.1:"), "stderr: \(ui.stderrSoFar)")
        let url = try #require(ui.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        #expect(url.contains("#/experiments/\(experimentID)"))
        let page = try await MLflowREST.fetch(url)
        #expect(page.lowercased().contains("mlflow"), "page: \(page.prefix(300))")
        ui.interrupt()
        let uiEnd = try await ui.finish(timeout: .seconds(30))
        #expect(uiEnd.exitCode == 0, "stderr: \(uiEnd.stderr)")

        // 4. The store survives a stop and a new start (on the same port).
        let stop = try await sandbox.ame(["mlflow", "stop"], in: project)
        #expect(stop.exitCode == 0, "stderr: \(stop.stderr)")
        #expect(!(await rest.isAnswering()), "MLflow still answers after 'ame mlflow stop'")
        let runsAfterStop = try Self.object(try await sandbox.ame(["runs", "--json"]))
        let serverRecord = (runsAfterStop["runs"] as? [[String: Any]] ?? []).first { $0["id"] as? String == serverRun }
        #expect(serverRecord?["status"] as? String == "cancelled")
        let restart = try await sandbox.ame(["mlflow", "start"], in: project)
        #expect(restart.exitCode == 0, "stdout: \(restart.stdout)\nstderr: \(restart.stderr)")
        let restarted = try Self.object(try await sandbox.ame(["mlflow", "status", "--json"], in: project))
        #expect(restarted["port"] as? Int == port)
        #expect(restarted["runId"] as? String != serverRun)
        let survivors = try await rest.runs(experimentID: experimentID).map(MLflowRun.init)
        #expect(Set(survivors.map(\.id)) == Set(runs.map(\.id)))
        #expect(survivors.first { $0.id == trained.id }?.metrics["accuracy"] == trained.metrics["accuracy"])
    }

    @Test("start without --mlflow installs MLflow itself, pinned, into AME's environment cache (saying so first), once, and serves",
          arguments: [Transport.embedded])
    func installsMLflowItself(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        // A project with dependencies of its own: MLflow's environment is not the project's.
        let project = try sandbox.project(["ame.yaml": "projectname: tracked\ntasks:\n  hello: {runcommand: echo hello}\n",
                                           "requirements.txt": "six==1.17.0\n"])
        // The pin is the one the other tests' venv uses.
        let pinned = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("scripts/requirements/mlflow.txt"), encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("mlflow==") }.map(String.init)
        let requirement = try #require(pinned)
        do {
            try await installsMLflowItself(sandbox: sandbox, project: project, requirement: requirement)
        } catch {
            _ = try? await sandbox.ame(["mlflow", "stop"], in: project)
            throw error
        }
        _ = try? await sandbox.ame(["mlflow", "stop"], in: project)
    }

    func installsMLflowItself(sandbox: AMESandbox, project: URL, requirement: String) async throws {
        let start = try await sandbox.ame(["mlflow", "start", "--timeout", "1500"], in: project, timeout: .seconds(1600))
        #expect(start.exitCode == 0, "stdout: \(start.stdout)\nstderr: \(start.stderr)")
        #expect(start.stdout.contains("MLflow is serving"), "\(start.stdout)")
        let notice = "its first start installs \(requirement) into AME's environment cache, once"
        let lines = start.stderr.split(separator: "\n").map(String.init)
        let said = try #require(lines.firstIndex { $0.contains(notice) }, "no notice: \(start.stderr)")
        if let pip = lines.firstIndex(where: { $0.hasPrefix("$ ") || $0.hasPrefix("Collecting ") }) {
            #expect(said < pip, "the notice comes before pip's output")
        }
        let status = try Self.object(try await sandbox.ame(["mlflow", "status", "--json"], in: project))
        let runID = try #require(status["runId"] as? String)
        let log = try await sandbox.ame(["logs", runID])
        #expect(log.stderr.contains("empty virtual environment"), "its own environment: \(log.stderr)")
        #expect(log.stderr.contains("plus \(requirement)"), "\(log.stderr)")
        #expect(!log.stderr.contains("requirements.txt"), "the project's requirements are not MLflow's: \(log.stderr)")

        // Once: the next start reuses it.
        #expect(try await sandbox.ame(["mlflow", "stop"], in: project).exitCode == 0)
        let again = try await sandbox.ame(["mlflow", "start", "--timeout", "300"], in: project, timeout: .seconds(400))
        #expect(again.exitCode == 0, "stderr: \(again.stderr)")
        #expect(again.stderr.contains("built before") || again.stderr.contains("built by another run"), "\(again.stderr)")
        #expect(!again.stderr.contains("Collecting "), "pip ran again: \(again.stderr)")
    }

    @Test("ame-mlflow passes AME's plugin conformance checks and is found beside ame")
    func conformance() async throws {
        let sandbox = try AMESandbox(.embedded)
        let plugin = Fixtures.productsDirectory.appendingPathComponent("ame-mlflow").path
        let checked = try await sandbox.ame(["plugin", "test", plugin])
        #expect(checked.exitCode == 0, "stdout: \(checked.stdout)\nstderr: \(checked.stderr)")
        let help = try await sandbox.ame(["mlflow", "--help"])
        #expect(help.exitCode == 0)
        for command in ["start", "stop", "status", "enable", "disable", "ui", "runs"] {
            #expect(help.stdout.contains(command), "help: \(help.stdout)")
        }
    }

    @Test("without a server: enable and runs say what to do; disable removes the hook", arguments: [Transport.embedded])
    func clearErrorsWithoutAServer(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        let project = try sandbox.project(["ame.yaml": """
            projectname: lonely
            tasks:
              hello: {runcommand: echo hello, dependencies: none}
            """])
        let enable = try await sandbox.ame(["mlflow", "enable"], in: project)
        #expect(enable.exitCode != 0)
        #expect(enable.stderr.contains("no MLflow server has been started"), "stderr: \(enable.stderr)")
        #expect(enable.stderr.contains("ame mlflow start"))
        let runs = try await sandbox.ame(["mlflow", "runs"], in: project)
        #expect(runs.exitCode != 0)
        #expect(runs.stderr.contains("no MLflow server is running"), "stderr: \(runs.stderr)")
        let badStore = try await sandbox.ame(["mlflow", "start", "--backend-store", "nonsense"], in: project)
        #expect(badStore.exitCode != 0)
        #expect(badStore.stderr.contains("--backend-store takes 'sqlite'"), "stderr: \(badStore.stderr)")

        // Enabled against a URL nothing listens on: the run still runs, and says why it
        // was not recorded.
        let on = try await sandbox.ame(["mlflow", "enable", "--tracking-uri", "http://127.0.0.1:9", "--experiment", "x"], in: project)
        #expect(on.exitCode == 0, "stderr: \(on.stderr)")
        let run = try await sandbox.ame(["run", "hello"], in: project)
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("hello"))
        #expect(run.stderr.contains("could not create the MLflow run"), "stderr: \(run.stderr)")
        let off = try await sandbox.ame(["mlflow", "disable"], in: project)
        #expect(off.exitCode == 0)
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent(".ame/hooks/mlflow.json").path))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent(".ame/hooks").path))
    }

    // MARK: Helpers

    static func object(_ result: ProcessResult) throws -> [String: Any] {
        guard result.exitCode == 0, let object = try? JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any] else {
            throw MLflowSetup.Failure(description: "expected a JSON object (exit \(result.exitCode))\nstdout: \(result.stdout)\nstderr: \(result.stderr)")
        }
        return object
    }

    static func lastRunID(of task: String, sandbox: AMESandbox) async throws -> String {
        let result = try await sandbox.ame(["runs", "--json"])
        let runs = try object(result)["runs"] as? [[String: Any]] ?? []
        guard let id = runs.first(where: { $0["task"] as? String == task })?["id"] as? String else {
            throw MLflowSetup.Failure(description: "no run of \(task) in \(result.stdout)")
        }
        return id
    }
}
