@testable import AMEEngine
import AMECore
import AMESystem
import AMETestSupport
import Foundation

/// Collects what a build writes to its output callback.
final class OutputRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// The commands the build ran (the lines it logs as "$ command").
    var commands: [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("$ ") }.map(String.init)
    }

    var callback: @Sendable (Data) -> Void {
        { [self] chunk in
            lock.lock()
            data.append(chunk)
            lock.unlock()
        }
    }
}

enum PythonTestSupport {
    static let environment = ProcessInfo.processInfo.environment

    /// uv, Poetry and pipenv take a minute to install; every test (and every run of the
    /// suite) shares one tool cache. `AME_TEST_TOOLS_DIR` moves it.
    static let toolsDirectory: URL = {
        if let override = environment["AME_TEST_TOOLS_DIR"], override.hasPrefix("/") {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ame-test-python-tools")
    }()

    /// Whether this machine has a Python of `series` ("3.10"), under pyenv or in /usr/bin.
    static func hasPython(_ series: String) -> Bool {
        let pyenv = URL(fileURLWithPath: environment["PYENV_ROOT"] ?? NSHomeDirectory() + "/.pyenv").appendingPathComponent("versions")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: pyenv.path)) ?? []
        return versions.contains { $0.hasPrefix(series + ".") } || FileManager.default.isExecutableFile(atPath: "/usr/bin/python\(series)")
    }

    static func catalog() async -> PythonInterpreterCatalog {
        await PythonInterpreterCatalog.discover(environment: environment)
    }

    /// A minor version (3.8 or later) of an interpreter on this machine other than the one
    /// AME picks by default, if there is one.
    static func otherMinorVersion() async -> String? {
        let catalog = await catalog()
        guard let defaultMinor = catalog.preferred?.release?.minorRelease else { return nil }
        return catalog.interpreters.first { $0.release?.minorRelease != defaultMinor && ($0.release?.minor ?? 0) >= 8 }?
            .release?.minorRelease
    }

    static func layout(_ temporary: TemporaryDirectory) -> EngineLayout {
        EngineLayout(dataDirectory: temporary.file("data"), cacheDirectory: temporary.file("cache"))
    }

    static func builder(_ temporary: TemporaryDirectory, environment: [String: String] = environment) -> PythonEnvironmentBuilder {
        PythonEnvironmentBuilder(layout: layout(temporary), environment: environment, toolsDirectory: toolsDirectory)
    }

    /// A project directory with `files` (relative path → content).
    static func project(_ temporary: TemporaryDirectory, _ name: String = "project", files: [String: String]) throws -> URL {
        for (path, content) in files { try temporary.write("\(name)/\(path)", content) }
        let directory = temporary.file(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Every file under `directory` (relative paths), to show a build left the project alone.
    static func listing(_ directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String { paths.append(path) }
        return paths.sorted()
    }

    /// Runs `python -c code` the way a run would: the prepared variables over this process's
    /// environment, and `python` found through `PATH`.
    static func python(_ prepared: PreparedEnvironment, _ code: String, in directory: URL? = nil) async throws -> (status: TerminationStatus, output: String) {
        var configuration = ChildProcess.Configuration(executable: "python", arguments: ["-c", code],
                                                       environment: prepared.applied(to: environment), workingDirectory: directory?.path)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child = try ChildProcess.spawn(configuration)
        guard let out = child.standardOutput, let err = child.standardError else { return (.exited(-1), "") }
        async let stdout = PipeReader.readAll(out)
        async let stderr = PipeReader.readAll(err)
        let status = await child.waitForExit()
        let text = String(decoding: await stdout, as: UTF8.self) + String(decoding: await stderr, as: UTF8.self)
        return (status, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func stamp(_ prepared: PreparedEnvironment) throws -> (content: Data, modified: Date?) {
        let url = prepared.directory.appendingPathComponent(PythonEnvironmentBuilder.stampName)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (try Data(contentsOf: url), attributes[.modificationDate] as? Date)
    }
}
