@testable import AMEEngine
import AMECore
import AMETestSupport
import Foundation
import Testing

/// One real build per dependency manager installable here: the tool itself comes from AME's
/// tool cache (installed there on first use, shared by all tests), the packages from PyPI.
@Suite struct DependencyManagerBuildTests {
    struct Outcome {
        /// Holds the project and the environments; they are removed when this is dropped.
        var temporary: TemporaryDirectory
        var first: PreparedEnvironment
        var firstLog: OutputRecorder
        var second: PreparedEnvironment
        var secondLog: OutputRecorder
        var secondDuration: Duration
        var stampUnchanged: Bool
    }

    /// Builds `files` as a project, checks the build left the project as it was, then prepares
    /// the same plan again.
    func buildTwice(_ files: [String: String], expecting manager: DependencyManager) async throws -> Outcome {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: files)
        let before = PythonTestSupport.listing(project)
        let plan = try #require(try PythonEnvironmentPlanner.plan(projectDirectory: project, python: nil, dependencies: nil,
                                                                  catalog: await PythonTestSupport.catalog()))
        #expect(plan.manager == manager)
        let builder = PythonTestSupport.builder(temporary)
        let firstLog = OutputRecorder()
        let first = try await builder.prepare(plan, projectDirectory: project, output: firstLog.callback)
        #expect(PythonTestSupport.listing(project) == before, "the project is left as it was (no .venv, no new lock)")
        let stamp = try PythonTestSupport.stamp(first)
        let secondLog = OutputRecorder()
        let clock = ContinuousClock()
        var second: PreparedEnvironment?
        let duration = try await clock.measure {
            second = try await builder.prepare(plan, projectDirectory: project, output: secondLog.callback)
        }
        let unchanged = try PythonTestSupport.stamp(first)
        return Outcome(temporary: temporary, first: first, firstLog: firstLog, second: try #require(second), secondLog: secondLog,
                       secondDuration: duration, stampUnchanged: unchanged.content == stamp.content && unchanged.modified == stamp.modified)
    }

    func expectReused(_ outcome: Outcome) {
        #expect(!outcome.first.reused)
        #expect(outcome.second.reused)
        #expect(outcome.second.directory == outcome.first.directory)
        #expect(outcome.secondLog.commands.isEmpty, "no installer ran: \(outcome.secondLog.text)")
        #expect(outcome.stampUnchanged)
        #expect(outcome.secondDuration < .seconds(10), "reuse took \(outcome.secondDuration)")
    }

    @Test(.timeLimit(.minutes(10)))
    func uv() async throws {
        let outcome = try await buildTwice(["pyproject.toml": PythonFixtures.uvPyproject, "uv.lock": PythonFixtures.uvLock,
                                            "train.py": "import six\n"], expecting: .uv)
        #expect(outcome.firstLog.commands.contains { $0.contains("uv sync --no-install-workspace --python") && $0.hasSuffix("--frozen") },
                "\(outcome.firstLog.text)")
        let check = try await PythonTestSupport.python(outcome.first, "import six, sys; print(six.__version__, sys.prefix)")
        #expect(check.output == "1.17.0 \(outcome.first.directory.path)", "\(outcome.firstLog.text)")
        expectReused(outcome)
    }

    /// Without uv.lock, uv resolves; the uv.lock it writes is removed from the project again.
    @Test(.timeLimit(.minutes(10)))
    func uvWithoutALock() async throws {
        let outcome = try await buildTwice(["pyproject.toml": PythonFixtures.uvPyproject], expecting: .uv)
        #expect(try await PythonTestSupport.python(outcome.first, "import six; print(six.__version__)").output == "1.17.0")
        expectReused(outcome)
    }

    @Test(.timeLimit(.minutes(10)))
    func poetry() async throws {
        let outcome = try await buildTwice(["pyproject.toml": PythonFixtures.poetryPyproject, "poetry.lock": PythonFixtures.poetryLock,
                                            "train.py": "import six\n"], expecting: .poetry)
        #expect(outcome.firstLog.commands.contains { $0.contains("export --format requirements.txt") && $0.contains("--with test") },
                "\(outcome.firstLog.text)")
        // The main group and the default `test` group, not the optional `docs` group.
        let check = try await PythonTestSupport.python(outcome.first, """
            import importlib.util, six, idna, sys
            print(six.__version__, idna.__version__, importlib.util.find_spec('certifi') is None, sys.prefix)
            """)
        #expect(check.output == "1.17.0 3.10 True \(outcome.first.directory.path)", "\(outcome.firstLog.text)")
        // Poetry made no environment of its own.
        #expect(!FileManager.default.fileExists(atPath: PythonTestSupport.toolsDirectory.appendingPathComponent("cache/poetry/virtualenvs").path)
                || PythonTestSupport.listing(PythonTestSupport.toolsDirectory.appendingPathComponent("cache/poetry/virtualenvs")).isEmpty)
        expectReused(outcome)
    }

    @Test(.timeLimit(.minutes(10)))
    func pipenv() async throws {
        let outcome = try await buildTwice(["Pipfile": PythonFixtures.pipfile, "Pipfile.lock": PythonFixtures.pipfileLock,
                                            "train.py": "import six\n"], expecting: .pipenv)
        #expect(outcome.firstLog.commands.contains { $0.contains("pipenv install --deploy") }, "\(outcome.firstLog.text)")
        // `pipenv install` installs [packages], not [dev-packages].
        let check = try await PythonTestSupport.python(outcome.first, """
            import importlib.util, six, sys
            print(six.__version__, importlib.util.find_spec('idna') is None, sys.prefix)
            """)
        #expect(check.output == "1.17.0 True \(outcome.first.directory.path)", "\(outcome.firstLog.text)")
        expectReused(outcome)
    }

    /// Without poetry.lock, Poetry locks first; the lock it writes is removed from the project
    /// again. (The project names PyPI's simple index as its source: `poetry lock` against
    /// plain PyPI reads the per-release JSON API, which this machine's PyPI mirror lacks.)
    @Test(.timeLimit(.minutes(10)))
    func poetryWithoutALock() async throws {
        let pyproject = PythonFixtures.poetryPyproject + """

            [[tool.poetry.source]]
            name = "simple"
            url = "https://pypi.org/simple/"
            priority = "primary"
            """
        let outcome = try await buildTwice(["pyproject.toml": pyproject], expecting: .poetry)
        #expect(outcome.firstLog.commands.contains { $0.hasSuffix("poetry lock") }, "\(outcome.firstLog.text)")
        let check = try await PythonTestSupport.python(outcome.first, "import six, idna, sys; print(six.__version__, idna.__version__, sys.prefix)")
        #expect(check.output == "1.17.0 3.10 \(outcome.first.directory.path)", "\(outcome.firstLog.text)")
        expectReused(outcome)
    }

    /// Without Pipfile.lock, pipenv locks and installs; the lock is removed from the project again.
    @Test(.timeLimit(.minutes(10)))
    func pipenvWithoutALock() async throws {
        let outcome = try await buildTwice(["Pipfile": PythonFixtures.pipfile], expecting: .pipenv)
        #expect(outcome.firstLog.commands.contains { $0.hasSuffix("pipenv install") }, "\(outcome.firstLog.text)")
        let check = try await PythonTestSupport.python(outcome.first, "import six, sys; print(six.__version__, sys.prefix)")
        #expect(check.output == "1.17.0 \(outcome.first.directory.path)", "\(outcome.firstLog.text)")
        expectReused(outcome)
    }

    /// The original AME's executors/pipenv project asks for Python 3.10 (its Pipfile's
    /// python_version) on a machine whose tools run on another Python: pipenv, which resolves
    /// with the project's Python, is installed for 3.10, and says so before pip's output.
    @Test(.timeLimit(.minutes(10)), .enabled(if: PythonTestSupport.hasPython("3.10"), "needs a Python 3.10 on this machine"))
    func pipenvForAnotherPython() async throws {
        let pipfile = PythonFixtures.pipfile + "\n\n[requires]\npython_version = \"3.10\"\n"
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["Pipfile": pipfile, "main.py": "import six\n"])
        let plan = try #require(try PythonEnvironmentPlanner.plan(projectDirectory: project, python: nil, dependencies: nil,
                                                                  catalog: await PythonTestSupport.catalog()))
        #expect(plan.interpreter?.release?.minorRelease == "3.10")
        // A tool cache of its own, so the first install (and its notice) happens here.
        let tools = temporary.url.appendingPathComponent("tools")
        let builder = PythonEnvironmentBuilder(layout: PythonTestSupport.layout(temporary), environment: PythonTestSupport.environment,
                                               toolsDirectory: tools)
        let log = OutputRecorder()
        let prepared = try await builder.prepare(plan, projectDirectory: project, output: log.callback)
        let check = try await PythonTestSupport.python(prepared, "import six, sys; print(six.__version__, sys.version_info[:2])")
        #expect(check.output == "1.17.0 (3, 10)", "\(log.text)")
        let lines = log.text.split(separator: "\n").map(String.init)
        let notice = try #require(lines.firstIndex { $0.hasPrefix("Installing pipenv for Python 3.10 into AME's tool cache, once") }, "\(log.text)")
        let firstCommand = try #require(lines.firstIndex { $0.hasPrefix("$ ") })
        #expect(notice < firstCommand, "the notice comes before pip's output:\n\(log.text)")
        #expect(!log.text.contains("Traceback"), "\(log.text)")
    }

    /// A lock that no longer matches its Pipfile fails with pipenv's own words, before the run.
    @Test(.timeLimit(.minutes(10)))
    func pipenvWithAStaleLockFails() async throws {
        let temporary = try TemporaryDirectory()
        let pipfile = PythonFixtures.pipfile.replacingOccurrences(of: "six = \"==1.17.0\"", with: "six = \"==1.16.0\"")
        let project = try PythonTestSupport.project(temporary, files: ["Pipfile": pipfile, "Pipfile.lock": PythonFixtures.pipfileLock])
        let plan = try #require(try PythonEnvironmentPlanner.plan(projectDirectory: project, python: nil, dependencies: nil,
                                                                  catalog: await PythonTestSupport.catalog()))
        let builder = PythonTestSupport.builder(temporary)
        do {
            _ = try await builder.prepare(plan, projectDirectory: project, output: { _ in })
            Issue.record("expected an error")
        } catch let error as PythonEnvironmentError {
            guard case .buildFailed(.pipenv, _, let exitCode, let tail) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(exitCode != 0)
            #expect(tail.localizedCaseInsensitiveContains("out of date") || tail.localizedCaseInsensitiveContains("out-of-date"), "\(tail)")
            #expect(error.description.hasPrefix("pipenv failed to build the Python environment (exit code \(exitCode)"))
        }
        #expect(!FileManager.default.fileExists(atPath: builder.directory(for: plan).path))
    }
}
