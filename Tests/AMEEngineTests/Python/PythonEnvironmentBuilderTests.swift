@testable import AMEEngine
import AMECore
import AMETestSupport
import Foundation
import Testing

/// Real builds: real interpreters, real pip, packages from PyPI.
@Suite struct PythonEnvironmentBuilderTests {
    func plan(_ project: URL, python: String? = nil, dependencies: DependencyManager? = nil) async throws -> PythonEnvironmentPlan {
        try #require(try PythonEnvironmentPlanner.plan(projectDirectory: project, python: python, dependencies: dependencies,
                                                       catalog: await PythonTestSupport.catalog()))
    }

    @Test func pipBuildsOnceThenReuses() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["requirements.txt": "six==1.17.0\n", "train.py": ""])
        let builder = PythonTestSupport.builder(temporary)
        let plan = try await plan(project)
        let firstLog = OutputRecorder()
        let first = try await builder.prepare(plan, projectDirectory: project, output: firstLog.callback)
        #expect(!first.reused)
        #expect(first.directory.path.hasPrefix(PythonEnvironmentBuilder.resolved(temporary.file("cache/envs")).path))
        // uv by default: its venv, then `uv pip install` into it.
        #expect(firstLog.commands.contains { $0.contains("uv venv --no-project --python") }, "\(firstLog.text)")
        #expect(firstLog.commands.contains { $0.contains("uv pip install --python") && $0.contains(" -r ") }, "\(firstLog.text)")
        #expect(!firstLog.commands.contains { $0.contains("-m pip install") }, "\(firstLog.text)")
        #expect(firstLog.text.contains("six"))

        let check = try await PythonTestSupport.python(first, "import six, sys; print(six.__version__, sys.prefix)")
        #expect(check.status.succeeded)
        #expect(check.output == "1.17.0 \(first.directory.path)")

        let stampBefore = try PythonTestSupport.stamp(first)
        let secondLog = OutputRecorder()
        let clock = ContinuousClock()
        var second: PreparedEnvironment?
        let elapsed = try await clock.measure {
            second = try await builder.prepare(plan, projectDirectory: project, output: secondLog.callback)
        }
        #expect(second?.reused == true)
        #expect(second?.directory == first.directory)
        #expect(secondLog.commands.isEmpty, "nothing is installed again: \(secondLog.text)")
        #expect(elapsed < .seconds(10), "reuse took \(elapsed)")
        let stampAfter = try PythonTestSupport.stamp(first)
        #expect(stampAfter.content == stampBefore.content)
        #expect(stampAfter.modified == stampBefore.modified)
        #expect(PythonTestSupport.listing(project) == ["requirements.txt", "train.py"])
    }

    @Test func anotherProjectWithTheSameRequirementsSharesTheEnvironment() async throws {
        let temporary = try TemporaryDirectory()
        let builder = PythonTestSupport.builder(temporary)
        let first = try PythonTestSupport.project(temporary, "one", files: ["requirements.txt": "six==1.17.0\n"])
        let second = try PythonTestSupport.project(temporary, "two", files: ["requirements.txt": "six==1.17.0\n", "other.py": ""])
        let built = try await builder.prepare(try await plan(first), projectDirectory: first, output: { _ in })
        let log = OutputRecorder()
        let shared = try await builder.prepare(try await plan(second), projectDirectory: second, output: log.callback)
        #expect(!built.reused)
        #expect(shared.reused)
        #expect(shared.directory == built.directory)
        #expect(log.commands.isEmpty)
    }

    @Test func concurrentPreparesBuildOnce() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["requirements.txt": "six==1.17.0\n"])
        let plan = try await plan(project)
        let logs = [OutputRecorder(), OutputRecorder(), OutputRecorder()]
        // Separate builders, as separate runs (or processes) would have.
        let results = try await withThrowingTaskGroup(of: PreparedEnvironment.self) { group in
            for log in logs {
                let builder = PythonTestSupport.builder(temporary)
                group.addTask { try await builder.prepare(plan, projectDirectory: project, output: log.callback) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { !$0.reused }.count == 1)
        #expect(Set(results.map(\.directory)).count == 1)
        #expect(logs.map { $0.commands.filter { $0.contains("pip install") && $0.contains(" -r ") }.count }.reduce(0, +) == 1)
        for result in results {
            #expect(try await PythonTestSupport.python(result, "import six").status.succeeded)
        }
    }

    /// Another minor version than the default, to see the choice is made.
    @Test(.enabled("needs a second Python minor version besides the default one (.ci/run installs one)") {
        await PythonTestSupport.otherMinorVersion() != nil
    })
    func pythonInAmeYamlGivesAnEmptyVenvWithThatInterpreter() async throws {
        let minor = try #require(await PythonTestSupport.otherMinorVersion())
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["train.py": "print('hi')\n"])
        let plan = try await plan(project, python: minor)
        #expect(plan.recipe == .emptyVenv)
        let prepared = try await PythonTestSupport.builder(temporary).prepare(plan, projectDirectory: project, output: { _ in })
        let check = try await PythonTestSupport.python(prepared, "import sys; print('%d.%d' % sys.version_info[:2], sys.prefix != sys.base_prefix)")
        #expect(check.output == "\(minor) True")
    }

    @Test func dependenciesNoneMeansNoEnvironment() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["requirements.txt": "six\n"])
        let plan = try PythonEnvironmentPlanner.plan(projectDirectory: project, python: nil, dependencies: DependencyManager.none,
                                                     catalog: await PythonTestSupport.catalog())
        #expect(plan == nil)
    }

    @Test func mlflowPythonEnvInstallsItsPythonAndDependencies() async throws {
        let catalog = await PythonTestSupport.catalog()
        let python = try #require(catalog.preferred?.version)
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: [
            "python_env.yaml": "python: \"\(python)\"\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n  - idna==3.10\n",
            "requirements.txt": "six==1.17.0\n",
            "MLproject": "name: demo\npython_env: python_env.yaml\n",
        ])
        let plan = try await plan(project)
        #expect(plan.interpreter?.version == python)
        #expect(plan.lockFiles == ["python_env.yaml", "requirements.txt"])
        let log = OutputRecorder()
        let prepared = try await PythonTestSupport.builder(temporary).prepare(plan, projectDirectory: project, output: log.callback)
        let check = try await PythonTestSupport.python(prepared, "import six, idna, platform; print(six.__version__, idna.__version__, platform.python_version())")
        #expect(check.output == "1.17.0 3.10 \(python)", "\(log.text)")
    }

    @Test func environmentYmlWithoutCondaIsAClearError() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["environment.yml": "name: x\ndependencies:\n  - python=3.11\n  - numpy\n"])
        let plan = try await plan(project)
        #expect(plan.manager == .conda)
        var environment = PythonTestSupport.environment
        environment["PATH"] = "/usr/bin:/bin"
        environment["CONDA_EXE"] = nil
        environment["MAMBA_EXE"] = nil
        let builder = PythonTestSupport.builder(temporary, environment: environment)
        do {
            _ = try await builder.prepare(plan, projectDirectory: project, output: { _ in })
            Issue.record("expected an error")
        } catch let error as PythonEnvironmentError {
            #expect(error == .condaNotFound(file: "environment.yml"))
            #expect(error.description.contains("needs conda or mamba"))
            #expect(error.description.contains("requirements.txt"))
        }
        #expect(!FileManager.default.fileExists(atPath: builder.directory(for: plan).path))
    }

    @Test func aFailedBuildLeavesNothingBehind() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["requirements.txt": "ame-no-such-package-7f3a==1.0\n"])
        let plan = try await plan(project)
        let builder = PythonTestSupport.builder(temporary)
        for attempt in 1...2 {
            let log = OutputRecorder()
            do {
                _ = try await builder.prepare(plan, projectDirectory: project, output: log.callback)
                Issue.record("expected an error")
            } catch let PythonEnvironmentError.buildFailed(manager, command, exitCode, tail) {
                #expect(manager == .pip)
                #expect(command.contains("pip install") && command.contains(" -r "))
                #expect(exitCode == 1)
                #expect(tail.contains("ame-no-such-package-7f3a"))
                // The second attempt builds again: nothing half-built was kept.
                #expect(log.commands.contains { $0.contains("venv") }, "attempt \(attempt)")
                // Requirements nobody can satisfy: uv's answer, not pip's too (pip may install
                // uv itself into the tool cache, on a machine that has not got it yet).
                #expect(!log.commands.contains { $0.contains("-m pip install") && $0.contains(" -r ") }, "attempt \(attempt): \(log.text)")
            }
            #expect(!FileManager.default.fileExists(atPath: builder.directory(for: plan).path))
        }
    }

    @Test func anUnfinishedEnvironmentIsRebuilt() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["train.py": ""])
        let plan = try await plan(project, python: try #require(await PythonTestSupport.catalog().preferred?.version))
        let builder = PythonTestSupport.builder(temporary)
        // What a build killed halfway leaves: a folder, no stamp.
        let directory = builder.directory(for: plan)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try Data("leftover".utf8).write(to: directory.appendingPathComponent("bin/python"))
        let prepared = try await builder.prepare(plan, projectDirectory: project, output: { _ in })
        #expect(!prepared.reused)
        #expect(try await PythonTestSupport.python(prepared, "print(1)").output == "1")
    }

    @Test func cancellingABuildStopsItAndRemovesIt() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["requirements.txt": "six==1.17.0\n"])
        let plan = try await plan(project)
        let builder = PythonTestSupport.builder(temporary)
        let log = OutputRecorder()
        let task = Task { try await builder.prepare(plan, projectDirectory: project, output: log.callback) }
        // Cancel once the first command (uv venv, or installing uv when other tests have
        // not yet) is running.
        for _ in 0..<2400 where log.commands.isEmpty { try await Task.sleep(for: .milliseconds(25)) }
        #expect(!log.commands.isEmpty)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(!FileManager.default.fileExists(atPath: builder.directory(for: plan).path))
        // The lock was released: the next prepare builds.
        let prepared = try await builder.prepare(plan, projectDirectory: project, output: { _ in })
        #expect(!prepared.reused)
    }

    @Test func buildsHonourPipIndexSettingsAndKeepOutOfHome() {
        let cache = URL(fileURLWithPath: "/cache")
        let environment = PythonEnvironmentBuilder.buildEnvironment(
            ["PATH": "/usr/bin", "PIP_INDEX_URL": "https://mirror/simple", "PIP_FIND_LINKS": "/a /b",
             "PYTHONPATH": "/x", "VIRTUAL_ENV": "/venv", "PIP_USER": "1"], cache: cache)
        #expect(environment["PIP_INDEX_URL"] == "https://mirror/simple")
        #expect(environment["PIP_CACHE_DIR"] == "/cache/pip")
        #expect(environment["PIP_DISABLE_PIP_VERSION_CHECK"] == "1")
        #expect(environment["PYTHONPATH"] == nil && environment["VIRTUAL_ENV"] == nil && environment["PIP_USER"] == nil)
        #expect(PythonEnvironmentBuilder.buildEnvironment(["PIP_NO_CACHE_DIR": "1"], cache: cache)["PIP_CACHE_DIR"] == nil)
        var uv = environment
        PythonEnvironmentBuilder.mapPipIndexSettings(into: &uv)
        #expect(uv["UV_DEFAULT_INDEX"] == "https://mirror/simple")
        #expect(uv["UV_FIND_LINKS"] == "/a,/b")
        // uv trusts the system's certificates, as pip does.
        #expect(uv["UV_SYSTEM_CERTS"] == "1")
        var own = environment
        own["UV_INDEX_URL"] = "https://uv-mirror/simple"
        PythonEnvironmentBuilder.mapPipIndexSettings(into: &own)
        #expect(own["UV_DEFAULT_INDEX"] == nil)
    }

    @Test func theRunEnvironmentPutsTheVenvFirst() {
        let prepared = PreparedEnvironment(
            directory: URL(fileURLWithPath: "/envs/x"), binDirectory: URL(fileURLWithPath: "/envs/x/bin"),
            environment: ["VIRTUAL_ENV": "/envs/x", "PYTHONNOUSERSITE": "1", "PATH": "/envs/x/bin:/usr/bin"], reused: true, description: "")
        let applied = prepared.applied(to: ["PATH": "/root/.pyenv/shims:/usr/bin", "PYTHONHOME": "/elsewhere", "KEEP": "1", "CONDA_PREFIX": "/c"])
        #expect(applied["PATH"] == "/envs/x/bin:/root/.pyenv/shims:/usr/bin")
        #expect(applied["VIRTUAL_ENV"] == "/envs/x")
        #expect(applied["PYTHONNOUSERSITE"] == "1")
        #expect(applied["PYTHONHOME"] == nil)
        #expect(applied["CONDA_PREFIX"] == nil)
        #expect(applied["KEEP"] == "1")
    }
}
