@testable import AMEEngine
import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// uv installs pip projects (`uv pip install` into a venv) unless `installer: pip` says
/// otherwise; pip is the fallback. Either must install the same thing.
@Suite struct InstallerTests {
    /// An equivalent of the original AME's `executors/pip` test project: a pinned
    /// requirements.txt whose packages bring dependencies of their own.
    static let pipProject = [
        "requirements.txt": """
            requests==2.32.3
            certifi==2024.8.30
            charset-normalizer==3.4.0
            idna==3.10
            urllib3==2.2.3
            six==1.17.0

            """,
        "main.py": "import requests, six\nprint(requests.__version__, six.__version__)\n",
    ]

    func build(_ project: URL, installer: PackageInstaller, in temporary: TemporaryDirectory) async throws -> (PreparedEnvironment, OutputRecorder) {
        let plan = try #require(try PythonEnvironmentPlanner.plan(projectDirectory: project, python: nil, dependencies: nil,
                                                                  catalog: await PythonTestSupport.catalog(), installer: installer))
        #expect(plan.installer == installer)
        let log = OutputRecorder()
        let prepared = try await PythonTestSupport.builder(temporary).prepare(plan, projectDirectory: project, output: log.callback)
        return (prepared, log)
    }

    func freeze(_ prepared: PreparedEnvironment) async throws -> String {
        let result = try await PythonTestSupport.python(prepared, """
            import subprocess, sys
            print(subprocess.run([sys.executable, '-m', 'pip', 'freeze'], capture_output=True, text=True, check=True).stdout)
            """)
        #expect(result.status.succeeded, "\(result.output)")
        return result.output
    }

    /// The quickstart as shipped (its requirements resolve to the same versions with either)
    /// and the pinned pip project: `pip freeze` is the same, line for line.
    @Test(.timeLimit(.minutes(10)), arguments: ["quickstart", "executors/pip"])
    func uvAndPipInstallTheSameVersions(project name: String) async throws {
        let uvSide = try TemporaryDirectory()
        let pipSide = try TemporaryDirectory()
        let files = name == "quickstart"
            ? ["requirements.txt": try String(contentsOf: Fixtures.example("quickstart").appendingPathComponent("requirements.txt"), encoding: .utf8)]
            : Self.pipProject
        let (withUV, uvLog) = try await build(try PythonTestSupport.project(uvSide, files: files), installer: .uv, in: uvSide)
        let (withPip, pipLog) = try await build(try PythonTestSupport.project(pipSide, files: files), installer: .pip, in: pipSide)
        #expect(uvLog.commands.contains { $0.contains("uv pip install --python") }, "\(uvLog.text)")
        #expect(!uvLog.commands.contains { $0.contains("-m pip install") }, "\(uvLog.text)")
        #expect(pipLog.commands.contains { $0.contains("-m pip install -r") }, "\(pipLog.text)")
        #expect(!pipLog.commands.contains { $0.contains("uv ") }, "\(pipLog.text)")
        let uvFreeze = try await freeze(withUV)
        let pipFreeze = try await freeze(withPip)
        #expect(uvFreeze.contains(name == "quickstart" ? "scikit-learn==" : "requests==2.32.3"), "\(uvFreeze)")
        #expect(uvFreeze == pipFreeze)
        // Both keep pip itself, so `python -m pip` works in a run as it did.
        #expect(FileManager.default.fileExists(atPath: withUV.binDirectory.appendingPathComponent("pip").path))
    }

    /// When uv cannot be had (here: its index is unreachable), pip builds the environment,
    /// and the log says why.
    @Test(.timeLimit(.minutes(3)))
    func pipIsTheFallbackWhenUVCannotBeInstalled() async throws {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: ["requirements.txt": "# nothing to install\n"])
        var environment = PythonTestSupport.environment
        // A port nothing listens on: installing uv fails at once, offline.
        environment["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple"
        environment["PIP_FIND_LINKS"] = nil
        environment["PIP_RETRIES"] = "0"
        environment["PIP_TIMEOUT"] = "2"
        let builder = PythonEnvironmentBuilder(layout: PythonTestSupport.layout(temporary), environment: environment,
                                               toolsDirectory: temporary.file("tools"))
        let plan = try #require(try PythonEnvironmentPlanner.plan(projectDirectory: project, python: nil, dependencies: nil,
                                                                  catalog: await PythonTestSupport.catalog()))
        let log = OutputRecorder()
        let prepared = try await builder.prepare(plan, projectDirectory: project, output: log.callback)
        #expect(log.text.contains("uv is not available"), "\(log.text)")
        #expect(log.commands.contains { $0.contains("-m pip install -r") }, "\(log.text)")
        #expect(try await PythonTestSupport.python(prepared, "import sys; print(sys.prefix)").output == prepared.directory.path)
    }

    /// `ame cache info` reads what builds leave; `prune` removes environments by last use
    /// and keeps the rest.
    @Test(.timeLimit(.minutes(5)))
    func cacheReportAndPrune() async throws {
        let temporary = try TemporaryDirectory()
        let layout = PythonTestSupport.layout(temporary)
        let builder = PythonEnvironmentBuilder(layout: layout, environment: PythonTestSupport.environment,
                                               toolsDirectory: PythonTestSupport.toolsDirectory, user: "ada")
        let old = try PythonTestSupport.project(temporary, "old", files: ["requirements.txt": "six==1.17.0\n"])
        let recent = try PythonTestSupport.project(temporary, "recent", files: ["requirements.txt": "idna==3.10\n"])
        let catalog = await PythonTestSupport.catalog()
        let oldEnvironment = try await builder.prepare(try #require(try PythonEnvironmentPlanner.plan(
            projectDirectory: old, python: nil, dependencies: nil, catalog: catalog)), projectDirectory: old, output: { _ in })
        let recentEnvironment = try await builder.prepare(try #require(try PythonEnvironmentPlanner.plan(
            projectDirectory: recent, python: nil, dependencies: nil, catalog: catalog)), projectDirectory: recent, output: { _ in })
        // Last used 40 days ago.
        let marker = oldEnvironment.directory.appendingPathComponent(PythonEnvironmentBuilder.lastUsedName).path
        var times = [timespec(tv_sec: time(nil) - 40 * 86400, tv_nsec: 0), timespec(tv_sec: time(nil) - 40 * 86400, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, marker, &times, 0) == 0)

        let cache = PythonCache(layout: layout)
        let report = cache.report()
        let ada = try #require(report.users.first { $0.user == "ada" })
        #expect(ada.environments.map(\.key) == [recentEnvironment.directory.lastPathComponent, oldEnvironment.directory.lastPathComponent])
        #expect(ada.environments.allSatisfy { $0.bytes > 0 && $0.manager == "pip" && $0.files == "requirements.txt" })
        #expect((ada.packageCaches["uv"] ?? 0) > 0, "\(ada.packageCaches)")
        #expect(report.totalBytes >= ada.bytes)

        let pruned = cache.prune(lastUsedBefore: Date().addingTimeInterval(-30 * 86400), packages: false)
        #expect(pruned.removed.map(\.key) == [oldEnvironment.directory.lastPathComponent])
        #expect(pruned.freedBytes > 0)
        #expect(!FileManager.default.fileExists(atPath: oldEnvironment.directory.path))
        #expect(FileManager.default.fileExists(atPath: recentEnvironment.directory.path))
        #expect(cache.report().users.first { $0.user == "ada" }?.environments.count == 1)
    }
}
