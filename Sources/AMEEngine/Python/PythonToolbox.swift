import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The dependency managers AME drives: installed into AME's own tool cache
/// (`EngineLayout.tools/<tool>/`, a venv of its own), never into the user's Python or home
/// directory; pipenv may also be one found on `PATH`. uv, pinned, is installed first (with
/// pip, once); the other tools are installed with it (pip when uv cannot be had).
struct PythonToolbox: Sendable {
    enum Tool: String, Sendable, CaseIterable {
        case uv, poetry, pipenv

        /// What is installed in the tool's venv. Poetry 2 no longer ships
        /// `poetry export`, which AME uses, so its plugin comes along. uv is pinned: it
        /// installs every pip project, and the same uv resolves the same way.
        var packages: [String] {
            switch self {
            case .uv: ["uv==\(PythonToolbox.uvVersion)"]
            case .poetry: ["poetry", "poetry-plugin-export"]
            case .pipenv: ["pipenv"]
            }
        }

        /// Whether a copy on `PATH` will do. AME's own Poetry is always used: a user's
        /// Poetry may lack the export plugin; AME's own uv too, for its pinned version.
        var acceptsInstalledCopy: Bool { self == .pipenv }
    }

    /// The uv AME installs (PyPI's `uv` package).
    static let uvVersion = "0.13.10"

    /// The tool cache, symlinks resolved (venv scripts record absolute paths).
    let directory: URL
    /// Environment for pip when installing tools (index settings come from here).
    let environment: [String: String]

    /// Path to the tool's executable, installing it first if needed. With `interpreter` (pipenv,
    /// which runs its resolver with the project's Python and so must be installed for that
    /// Python), the tool is AME's own copy for that interpreter's minor release.
    func executable(_ tool: Tool, interpreter: PythonInterpreter? = nil, catalog: @Sendable () async -> PythonInterpreterCatalog,
                    output: @escaping @Sendable (Data) -> Void) async throws -> String {
        if interpreter == nil, tool.acceptsInstalledCopy, let found = Self.findOnPath(tool.rawValue, path: environment["PATH"]) {
            return found
        }
        let series = interpreter?.release?.minorRelease
        let venv = directory.appendingPathComponent(tool.rawValue + (series.map { "-py\($0)" } ?? ""))
        let binary = venv.appendingPathComponent("bin").appendingPathComponent(tool.rawValue).path
        let stamp = venv.appendingPathComponent(".ame-tool")
        let wanted = tool.packages.joined(separator: " ")
        func installed() -> Bool {
            (try? String(contentsOf: stamp, encoding: .utf8)) == wanted && access(binary, X_OK) == 0
        }
        if installed() { return binary }
        let lock = try await AsyncFileLock.acquire(path: venv.path + ".lock") {
            output(Data("Waiting for another build that is installing \(tool.rawValue)…\n".utf8))
        }
        defer { lock.unlock() }
        if installed() { return binary }

        let python: PythonInterpreter
        if let interpreter {
            python = interpreter
        } else {
            let interpreters = await catalog()
            let minimum = PythonVersion(major: 3, minor: 9)
            guard let usable = interpreters.best(matching: PythonVersionRequirement(">=\(minimum)")) else {
                throw PythonEnvironmentError.pythonUnavailable(requirement: ">=3.9", origin: "to install \(tool.rawValue)", available: interpreters.availableVersions)
            }
            python = usable
        }
        // Said before pip says anything: the wait that follows happens once.
        output(Data("Installing \(tool.rawValue)\(series.map { " for Python \($0)" } ?? "") into AME's tool cache, once (later builds reuse it): \(venv.path)\n".utf8))
        try? FileManager.default.removeItem(at: venv)
        do {
            var steps = [
                EnvironmentBuildCommand(executable: python.path, arguments: ["-m", "venv", venv.path], environment: environment),
                EnvironmentBuildCommand(executable: venv.appendingPathComponent("bin/python").path,
                             arguments: ["-m", "pip", "install"] + tool.packages, environment: environment),
            ]
            // Everything but uv itself with uv: seconds instead of a minute.
            if tool != .uv, let uv = try? await executable(.uv, catalog: catalog, output: output) {
                var variables = environment
                variables["UV_NO_PROGRESS"] = "1"
                variables["UV_PYTHON_DOWNLOADS"] = "never"
                variables["UV_PYTHON"] = nil
                if variables["UV_CACHE_DIR"] == nil && variables["UV_NO_CACHE"] == nil {
                    variables["UV_CACHE_DIR"] = directory.appendingPathComponent("cache/uv").path
                }
                PythonEnvironmentBuilder.mapPipIndexSettings(into: &variables)
                steps = [
                    EnvironmentBuildCommand(executable: uv, arguments: ["venv", "--no-project", "--seed", "--python", python.path, venv.path], environment: variables),
                    EnvironmentBuildCommand(executable: uv, arguments: ["pip", "install", "--python", venv.appendingPathComponent("bin/python").path] + tool.packages,
                                 environment: variables),
                ]
            }
            for step in steps {
                let result = try await step.run(output: output)
                guard result.status.succeeded else {
                    throw PythonEnvironmentError.toolInstallFailed(tool: tool.rawValue, exitCode: result.status.exitCode, outputTail: result.tail)
                }
            }
            guard access(binary, X_OK) == 0 else {
                throw PythonEnvironmentError.fileProblem(path: binary, reason: "installing \(tool.rawValue) succeeded but did not install it")
            }
            try AtomicFile.write(Data(wanted.utf8), to: stamp)
        } catch {
            try? FileManager.default.removeItem(at: venv)
            throw error
        }
        return binary
    }

    /// mamba (faster) or conda: `$MAMBA_EXE`, `$CONDA_EXE`, then `PATH`.
    func condaExecutable() -> String? {
        for variable in ["MAMBA_EXE", "CONDA_EXE"] {
            if let path = environment[variable], path.hasPrefix("/"), access(path, X_OK) == 0,
               ["mamba", "conda"].contains((path as NSString).lastPathComponent) {
                return path
            }
        }
        for name in ["mamba", "conda"] {
            if let found = Self.findOnPath(name, path: environment["PATH"]) { return found }
        }
        return nil
    }

    /// Like a shell's lookup, but past shim directories: a pyenv shim for a tool that the
    /// selected Python lacks exists and fails.
    static func findOnPath(_ name: String, path: String?) -> String? {
        let entries = (path ?? "").split(separator: ":").map(String.init)
            .filter { $0.hasPrefix("/") && ($0 as NSString).lastPathComponent != "shims" }
        return ExecutableLookup.find(name, path: entries.joined(separator: ":"))
    }
}
