import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Builds the environment a `PythonEnvironmentPlan` describes, once: environments live in
/// `EngineLayout.environments/<plan.key>/` and are reused by every later run, of any project,
/// whose plan has the same key.
///
/// Safe against concurrent runs and crashes: building holds a `FileLock`
/// (`<environments>/<key>.lock`), so a second run with the same key waits and then reuses;
/// the stamp file `.ame-environment` is written last, so a folder without it is unfinished
/// and gets rebuilt; a failed or cancelled build removes its folder.
///
/// How each manager is driven (ENV is the environment's folder, the interpreter is the plan's):
/// - pip: `python -m venv ENV`, then `ENV/bin/python -m pip install -r requirements.txt`.
/// - MLflow `python_env.yaml`: the same, installing `build_dependencies` then `dependencies`.
/// - uv: `uv sync [--frozen] --no-install-workspace --python <interpreter>` in the project with
///   `UV_PROJECT_ENVIRONMENT=ENV` (no `.venv` in the project, no Python downloads).
/// - poetry: `python -m venv ENV`, `poetry export` of `poetry.lock` (with hashes, the groups
///   `poetry install` would install), then `pip install --no-deps -r` of that. `poetry install`
///   itself asks PyPI's per-release JSON API, which package mirrors often lack, and ignores
///   `PIP_INDEX_URL`; exporting reads only the lock, and pip honours the index settings.
/// - pipenv: `python -m venv ENV`, then `pipenv install --deploy` with `VIRTUAL_ENV=ENV`.
/// - conda: `mamba|conda env create -p ENV -f environment.yml`.
/// Without a lock file, uv, Poetry and pipenv lock first; a lock file they write into the
/// project is removed again, leaving the project as it was.
///
/// Installing a project's requirements runs its packages' build scripts: the user's code.
/// So with a `user`, environments and package caches are that user's own
/// (`environments/USER/`, `userCaches/USER/`), and with a `sandbox` every command of a build
/// runs in it, seeing the project, the interpreter, AME's tools and the user's caches, and
/// writing only those caches, the project and the environment being built.
public final class PythonEnvironmentBuilder: Sendable {
    public let layout: EngineLayout
    /// The environment AME runs in: `PATH`, `HOME`, pyenv and index settings (`PIP_INDEX_URL`,
    /// `PIP_FIND_LINKS`, `UV_*`, …) are taken from here.
    public let environment: [String: String]
    private let toolbox: PythonToolbox
    private let cacheDirectory: URL
    private let environmentsDirectory: URL
    private let toolsDirectory: URL
    private let sandbox: Sandbox.Placement?
    /// Who files the build writes must belong to (the sandbox's user, when it has one).
    private let fileOwner: (uid: UInt32, gid: UInt32)?

    /// - Parameter toolsDirectory: where uv, Poetry and pipenv are installed when missing;
    ///   `layout.tools` unless given (tests share one across runs).
    /// - Parameter user: whose environments and package caches these are (nil: one set for
    ///   everyone, as in a Pod that serves one run).
    /// - Parameter sandbox: where build commands run, and what they see besides what the
    ///   build adds (nil: as the engine's own user).
    public init(layout: EngineLayout, environment: [String: String], toolsDirectory: URL? = nil, user: String? = nil,
                sandbox: Sandbox.Placement? = nil) {
        self.layout = layout
        self.environment = environment
        let tools = Self.resolved(toolsDirectory ?? layout.tools)
        self.toolsDirectory = tools
        if let user {
            let folder = EngineLayout.folderName(forUser: user)
            self.cacheDirectory = Self.resolved(layout.userCaches.appendingPathComponent(folder, isDirectory: true))
            self.environmentsDirectory = Self.resolved(layout.environments.appendingPathComponent(folder, isDirectory: true))
        } else {
            self.cacheDirectory = tools.appendingPathComponent("cache")
            self.environmentsDirectory = Self.resolved(layout.environments)
        }
        self.sandbox = sandbox
        if let user = sandbox?.view.user {
            fileOwner = (user.uid, user.gid)
            // The user's caches are written by their builds, which run as their sandbox user.
            var info = stat()
            if stat(cacheDirectory.path, &info) == 0, info.st_uid != user.uid {
                WorkspaceOwnership.give(cacheDirectory.path, to: (user.uid, user.gid))
            }
        } else {
            fileOwner = nil
        }
        self.toolbox = PythonToolbox(directory: tools, environment: Self.buildEnvironment(environment, cache: tools.appendingPathComponent("cache")))
    }


    /// The stamp whose presence marks a finished environment (written last).
    public static let stampName = ".ame-environment"
    /// Touched whenever a run uses the environment: what `ame cache prune` goes by.
    public static let lastUsedName = ".ame-last-used"

    /// The folder `plan` is (or will be) built in.
    public func directory(for plan: PythonEnvironmentPlan) -> URL {
        environmentsDirectory.appendingPathComponent(plan.key, isDirectory: true)
    }

    /// Returns the environment, building it first unless a finished one exists. Build output
    /// (the commands and everything they print) goes to `output` as it arrives.
    public func prepare(_ plan: PythonEnvironmentPlan, projectDirectory: URL,
                        output: @escaping @Sendable (Data) -> Void) async throws -> PreparedEnvironment {
        let directory = directory(for: plan)
        if isComplete(directory) {
            output(Data("Using the \(plan.description), built before (\(directory.path))\n".utf8))
            Self.markUsed(directory)
            return prepared(plan, directory: directory, reused: true)
        }
        let lock = try await AsyncFileLock.acquire(path: directory.path + ".lock") {
            output(Data("Waiting for another run that is building this environment…\n".utf8))
        }
        defer { lock.unlock() }
        if isComplete(directory) {
            output(Data("Using the \(plan.description), built by another run (\(directory.path))\n".utf8))
            Self.markUsed(directory)
            return prepared(plan, directory: directory, reused: true)
        }

        let started = Date()
        output(Data("Building the \(plan.description) in \(directory.path)\n".utf8))
        // A folder without a stamp is what a crashed build left; start over.
        try? FileManager.default.removeItem(at: directory)
        // In a sandbox the build sees an empty folder where the environments are, writes the
        // new one there (so every path it records is the final one), and it moves into place
        // only when complete: no build can touch another environment.
        let staging = sandbox.map { _ in environmentsDirectory.appendingPathComponent(".build-\(plan.key)-\(POSIXIO.uniqueSuffix())", isDirectory: true) }
        defer { if let staging { try? FileManager.default.removeItem(at: staging) } }
        do {
            if let staging {
                try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
                if let fileOwner { chown(staging.path, fileOwner.uid, fileOwner.gid) }
            }
            try await build(plan, in: directory, staging: staging, projectDirectory: projectDirectory, output: output)
            if let staging {
                let built = staging.appendingPathComponent(plan.key, isDirectory: true)
                guard rename(built.path, directory.path) == 0 else {
                    throw PythonEnvironmentError.fileProblem(path: directory.lastPathComponent, reason: "the build finished but left no environment")
                }
            }
            guard Self.isEnvironment(directory) else {
                throw PythonEnvironmentError.fileProblem(path: directory.path, reason: "the build finished but left no bin/python there")
            }
            try writeStamp(plan, in: directory)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        Self.markUsed(directory)
        output(Data(String(format: "Built the environment in %.1f s\n", Date().timeIntervalSince(started)).utf8))
        return prepared(plan, directory: directory, reused: false)
    }

    /// Sets the environment's last use to now (its `lastUsedName` file's modification time).
    static func markUsed(_ directory: URL) {
        let path = directory.appendingPathComponent(lastUsedName).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { return }
        futimens(descriptor, nil)
        close(descriptor)
    }

    /// Finished (stamp present) and still usable (its interpreter still exists: a venv links
    /// to an interpreter that may have been uninstalled since).
    func isComplete(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(Self.stampName).path) && Self.isEnvironment(directory)
    }

    /// A venv (or conda prefix) with a working `bin/python`; a conda prefix whose file
    /// installs no Python at all counts by its `conda-meta`.
    static func isEnvironment(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("bin/python").path)
            || FileManager.default.fileExists(atPath: directory.appendingPathComponent("conda-meta").path)
    }

    private func prepared(_ plan: PythonEnvironmentPlan, directory: URL, reused: Bool) -> PreparedEnvironment {
        let bin = directory.appendingPathComponent("bin", isDirectory: true)
        var variables: [String: String] = ["PYTHONNOUSERSITE": "1"]
        if plan.manager == .conda {
            variables["CONDA_PREFIX"] = directory.path
        } else {
            variables["VIRTUAL_ENV"] = directory.path
        }
        variables["PATH"] = ([bin.path] + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
            .filter { $0 != bin.path }).joined(separator: ":")
        return PreparedEnvironment(directory: directory, binDirectory: bin, environment: variables, reused: reused,
                                   description: plan.description + (reused ? ", reused" : ", built"))
    }

    private func writeStamp(_ plan: PythonEnvironmentPlan, in directory: URL) throws {
        let record: [String: String] = [
            "key": plan.key,
            "manager": plan.manager.rawValue,
            "python": plan.interpreter?.version ?? "conda",
            "interpreter": plan.interpreter?.path ?? "",
            "files": plan.lockFiles.joined(separator: " "),
            "contentHash": plan.contentHash,
            "extraPackages": plan.extraPackages.joined(separator: " "),
            "builtAt": ISO8601DateFormatter().string(from: Date()),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        do {
            try AtomicFile.write(data, to: directory.appendingPathComponent(Self.stampName))
        } catch {
            throw PythonEnvironmentError.fileProblem(path: directory.appendingPathComponent(Self.stampName).path, reason: "\(error)")
        }
    }

    // MARK: - Recipes

    private func build(_ plan: PythonEnvironmentPlan, in directory: URL, staging: URL?, projectDirectory: URL,
                       output: @escaping @Sendable (Data) -> Void) async throws {
        let project = projectDirectory.path
        // What a sandboxed build command sees besides the system: the interpreter and AME's
        // tools read-only; the project, the user's caches and the new environment writable.
        let placement: Sandbox.Placement? = sandbox.map { base in
            var placement = base
            placement.view.readOnly += [toolsDirectory.path] + (plan.interpreter.map { [Self.installationPrefix(of: $0.path)] } ?? [])
            placement.view.readWrite += [SandboxView.Mount(project), SandboxView.Mount(cacheDirectory.path)]
            if let staging { placement.view.readWrite.append(SandboxView.Mount(source: staging.path, target: environmentsDirectory.path)) }
            placement.view.workingDirectory = project
            return placement
        }
        let python = directory.appendingPathComponent("bin/python").path
        let base = Self.buildEnvironment(environment, cache: cacheDirectory)
        let catalogEnvironment = environment
        let catalog: @Sendable () async -> PythonInterpreterCatalog = {
            await PythonInterpreterCatalog.discover(environment: catalogEnvironment)
        }
        func run(_ command: EnvironmentBuildCommand) async throws {
            var command = command
            command.sandbox = placement
            if let tool = placement.map({ _ in command.executable }), tool.hasPrefix("/"), !tool.hasPrefix(directory.path) {
                command.sandbox?.view.readOnly.append(Self.installationPrefix(of: tool))
            }
            let result = try await command.run(output: output)
            guard result.status.succeeded else {
                throw PythonEnvironmentError.buildFailed(manager: plan.manager, command: command.description,
                                                         exitCode: result.status.exitCode, outputTail: result.tail)
            }
        }
        func makeVenv() async throws {
            guard let interpreter = plan.interpreter else { return }
            try await run(EnvironmentBuildCommand(executable: interpreter.path, arguments: ["-m", "venv", directory.path], environment: base))
        }
        func pip(_ arguments: [String]) -> EnvironmentBuildCommand {
            EnvironmentBuildCommand(executable: python, arguments: ["-m", "pip", "install"] + arguments, environment: base, workingDirectory: project)
        }
        /// Variables for uv: its cache in the user's caches, no Python downloads, pip's index settings.
        var uvVariables = base
        uvVariables["UV_NO_PROGRESS"] = "1"
        uvVariables["UV_PYTHON_DOWNLOADS"] = "never"
        uvVariables["UV_PYTHON"] = nil
        if uvVariables["UV_CACHE_DIR"] == nil && uvVariables["UV_NO_CACHE"] == nil {
            uvVariables["UV_CACHE_DIR"] = cacheDirectory.appendingPathComponent("uv").path
        }
        Self.mapPipIndexSettings(into: &uvVariables)
        // uv hard-links packages from its cache into the environment; in a sandbox the two
        // are separate mounts, which links cannot cross, so it copies (and need not warn).
        if placement != nil && uvVariables["UV_LINK_MODE"] == nil { uvVariables["UV_LINK_MODE"] = "copy" }
        let uvEnvironment = uvVariables
        /// A venv with `groups` installed (each a `pip install` argument list, in order): with
        /// `uv pip install` unless the plan says pip; with pip when uv cannot be had or fails.
        /// Either gives a venv with pip in it (and setuptools before Python 3.12, as
        /// `python -m venv` does), so `pip freeze` and `python -m pip` work as usual.
        func venv(installing groups: [[String]]) async throws {
            guard let interpreter = plan.interpreter else { return }
            func pipVenv() async throws {
                try await makeVenv()
                for group in groups where !group.isEmpty { try await run(pip(group)) }
            }
            if plan.installer == .uv {
                do {
                    let uv = try await toolbox.executable(.uv, catalog: catalog, output: output)
                    try await run(EnvironmentBuildCommand(executable: uv, arguments: ["venv", "--no-project", "--python", interpreter.path, directory.path],
                                               environment: uvEnvironment, workingDirectory: project))
                    for group in groups where !group.isEmpty {
                        try await run(EnvironmentBuildCommand(executable: uv, arguments: ["pip", "install", "--python", python] + group,
                                                   environment: uvEnvironment, workingDirectory: project))
                    }
                    // Already satisfied when the project pins them.
                    let seeded = (interpreter.release.map { $0 < PythonVersion(major: 3, minor: 12) } ?? false) ? ["pip", "setuptools"] : ["pip"]
                    try await run(EnvironmentBuildCommand(executable: uv, arguments: ["pip", "install", "--python", python] + seeded,
                                               environment: uvEnvironment, workingDirectory: project))
                    return
                } catch let error as PythonEnvironmentError {
                    // Requirements no installer can satisfy: pip would only say so again, slower.
                    if case .buildFailed(_, _, _, let tail) = error, tail.contains("No solution found") { throw error }
                    guard case .buildFailed = error else {
                        output(Data("uv is not available (\(error)); installing with pip instead\n".utf8))
                        try? FileManager.default.removeItem(at: directory)
                        try await pipVenv()
                        return
                    }
                    output(Data("uv could not install the packages (above); trying pip, which some requirement files need (`installer: pip` in ame.yaml skips uv)\n".utf8))
                    try? FileManager.default.removeItem(at: directory)
                }
            }
            try await pipVenv()
        }
        /// Variables for a tool working on the venv: it is the active one.
        var activated = base
        activated["VIRTUAL_ENV"] = directory.path
        activated["PATH"] = directory.appendingPathComponent("bin").path + ":" + (base["PATH"] ?? "/usr/bin:/bin")

        switch plan.recipe {
        case .emptyVenv:
            // The run's extra packages, if any, are its contents (one install, below: none here).
            try await venv(installing: [plan.extraPackages])
            return

        case .pipRequirements(let file):
            // Extra packages after the project's own: a requirement the project already
            // satisfies is left at the version it pins.
            try await venv(installing: [["-r", projectDirectory.appendingPathComponent(file).path], plan.extraPackages])
            return

        case .mlflowPythonEnv(_, let buildDependencies, let dependencies):
            // "-r requirements.txt" is one entry but two arguments.
            let groups = [buildDependencies, dependencies].map { group in
                group.flatMap { entry -> [String] in
                    guard entry.hasPrefix("-") else { return [entry] }
                    return entry.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
                }
            }
            try await venv(installing: groups + [plan.extraPackages])
            return

        case .uv(let locked):
            let uv = try await toolbox.executable(.uv, catalog: catalog, output: output)
            guard let interpreter = plan.interpreter else { return }
            var variables = uvEnvironment
            variables["UV_PROJECT_ENVIRONMENT"] = directory.path
            var arguments = ["sync", "--no-install-workspace", "--python", interpreter.path]
            if locked { arguments.append("--frozen") }
            try await withCreatedFileRemoved(projectDirectory.appendingPathComponent("uv.lock")) {
                try await run(EnvironmentBuildCommand(executable: uv, arguments: arguments, environment: variables, workingDirectory: project,
                                           shownVariables: ["UV_PROJECT_ENVIRONMENT"]))
            }

        case .poetry(let locked, let groups):
            let poetry = try await toolbox.executable(.poetry, catalog: catalog, output: output)
            try await makeVenv()
            var variables = activated
            variables["POETRY_VIRTUALENVS_CREATE"] = "false"
            variables["POETRY_VIRTUALENVS_PATH"] = cacheDirectory.appendingPathComponent("poetry/virtualenvs").path
            variables["POETRY_NO_INTERACTION"] = "1"
            if variables["POETRY_CACHE_DIR"] == nil { variables["POETRY_CACHE_DIR"] = cacheDirectory.appendingPathComponent("poetry").path }
            let lockFile = projectDirectory.appendingPathComponent("poetry.lock")
            let exported = directory.appendingPathComponent(".ame-poetry-requirements.txt")
            try await withCreatedFileRemoved(lockFile) {
                if !locked {
                    try await run(EnvironmentBuildCommand(executable: poetry, arguments: ["lock"], environment: variables, workingDirectory: project))
                }
                // Packages from git, URLs or local paths carry no hashes, and pip checks all or none.
                let lockText = (try? String(contentsOf: lockFile, encoding: .utf8)) ?? ""
                let hashable = !["git", "url", "directory", "file"].contains { lockText.contains("type = \"\($0)\"") }
                var arguments = ["export", "--format", "requirements.txt", "--output", exported.path]
                if !groups.isEmpty { arguments += ["--with", groups.joined(separator: ",")] }
                if !hashable { arguments.append("--without-hashes") }
                try await run(EnvironmentBuildCommand(executable: poetry, arguments: arguments, environment: variables, workingDirectory: project))
            }
            if plan.installer == .uv, let uv = try? await toolbox.executable(.uv, catalog: catalog, output: output) {
                try await run(EnvironmentBuildCommand(executable: uv, arguments: ["pip", "install", "--python", python, "--no-deps", "-r", exported.path],
                                           environment: uvEnvironment, workingDirectory: project))
            } else {
                try await run(pip(["--no-deps", "-r", exported.path]))
            }

        case .pipenv(let locked):
            // pipenv resolves with the project's Python, importing itself there: one installed
            // on another Python fails (a 3.11 pipenv on a 3.10 project lacks 'tomllib').
            let pipenv = try await toolbox.executable(.pipenv, interpreter: plan.interpreter, catalog: catalog, output: output)
            try await makeVenv()
            var variables = activated
            variables["PIPENV_IGNORE_VIRTUALENVS"] = "0"
            variables["PIPENV_VERBOSITY"] = "-1"
            variables["PIPENV_NOSPIN"] = "1"
            variables["PIPENV_YES"] = "1"
            variables["PIPENV_HIDE_EMOJIS"] = "1"
            // The project's .env is for its runs, not for installing packages.
            variables["PIPENV_DONT_LOAD_ENV"] = "1"
            variables["PIPENV_PIPFILE"] = projectDirectory.appendingPathComponent("Pipfile").path
            variables["PIPENV_VENV_IN_PROJECT"] = nil
            variables["WORKON_HOME"] = cacheDirectory.appendingPathComponent("pipenv/virtualenvs").path
            if variables["PIPENV_CACHE_DIR"] == nil { variables["PIPENV_CACHE_DIR"] = cacheDirectory.appendingPathComponent("pipenv").path }
            if variables["PIPENV_PYPI_MIRROR"] == nil, let index = variables["PIP_INDEX_URL"] { variables["PIPENV_PYPI_MIRROR"] = index }
            try await withCreatedFileRemoved(projectDirectory.appendingPathComponent("Pipfile.lock")) {
                try await run(EnvironmentBuildCommand(executable: pipenv, arguments: locked ? ["install", "--deploy"] : ["install"],
                                           environment: variables, workingDirectory: project, shownVariables: ["VIRTUAL_ENV"]))
            }

        case .conda(let file, let requestedPython):
            guard let conda = toolbox.condaExecutable() else { throw PythonEnvironmentError.condaNotFound(file: file) }
            var variables = base
            variables["CONDA_ALWAYS_YES"] = "true"
            variables["CONDA_PREFIX"] = nil
            try await run(EnvironmentBuildCommand(executable: conda, arguments: ["env", "create", "-p", directory.path, "-f",
                                                                      projectDirectory.appendingPathComponent(file).path],
                                       environment: variables, workingDirectory: project))
            if let requestedPython {
                try await run(EnvironmentBuildCommand(executable: conda, arguments: ["install", "-y", "-p", directory.path, "python=\(requestedPython)"],
                                           environment: variables, workingDirectory: project))
            }
        }

        // The run's extra packages, after the project's own: a requirement the project
        // already satisfies is left at the version it pins.
        guard !plan.extraPackages.isEmpty else { return }
        var useUV = plan.installer == .uv
        if case .uv = plan.recipe { useUV = true }  // uv's environments have no pip of their own.
        if case .conda = plan.recipe { useUV = false }
        if useUV {
            let uv = try await toolbox.executable(.uv, catalog: catalog, output: output)
            try await run(EnvironmentBuildCommand(executable: uv, arguments: ["pip", "install", "--python", python] + plan.extraPackages,
                                       environment: uvEnvironment, workingDirectory: project))
        } else {
            try await run(pip(plan.extraPackages))
        }
    }

    /// Runs `body`; if `file` did not exist before and does after, removes it, so locking
    /// on the project's behalf leaves no new file in it (the run would bring it back as output).
    private func withCreatedFileRemoved(_ file: URL, _ body: () async throws -> Void) async throws {
        let existed = FileManager.default.fileExists(atPath: file.path)
        defer {
            if !existed { try? FileManager.default.removeItem(at: file) }
        }
        try await body()
    }

    // MARK: - Environment variables

    /// The environment every build command runs with: AME's own, minus what would send
    /// installs elsewhere, plus quiet, non-interactive pip with its cache in AME's cache.
    static func buildEnvironment(_ environment: [String: String], cache: URL) -> [String: String] {
        var result = environment
        for name in ["PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "VIRTUAL_ENV", "CONDA_PREFIX", "PIP_USER", "PIP_TARGET",
                     "PIP_PREFIX", "PIP_ROOT", "PIP_REQUIRE_VIRTUALENV", "__PYVENV_LAUNCHER__"] {
            result[name] = nil
        }
        result["PYTHONNOUSERSITE"] = "1"
        result["PYTHONUNBUFFERED"] = "1"
        result["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        result["PIP_NO_INPUT"] = "1"
        result["PIP_PROGRESS_BAR"] = "off"
        // Tools that format for a terminal wrap at 80 columns without one, splitting
        // messages mid-sentence in the log.
        if result["COLUMNS"] == nil { result["COLUMNS"] = "160" }
        if result["PIP_CACHE_DIR"] == nil && result["PIP_NO_CACHE_DIR"] == nil {
            result["PIP_CACHE_DIR"] = cache.appendingPathComponent("pip").path
        }
        // Poetry and pipenv use virtualenv, which otherwise keeps data under ~/.local/share.
        if result["VIRTUALENV_OVERRIDE_APP_DATA"] == nil {
            result["VIRTUALENV_OVERRIDE_APP_DATA"] = cache.appendingPathComponent("virtualenv").path
        }
        // Keyring backends can block on a desktop session that a server does not have.
        if result["PYTHON_KEYRING_BACKEND"] == nil {
            result["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        }
        return result
    }

    /// uv reads `UV_*`, not `PIP_*`; an index set up for pip applies to uv too unless uv has its own.
    static func mapPipIndexSettings(into variables: inout [String: String]) {
        if variables["UV_DEFAULT_INDEX"] == nil, variables["UV_INDEX_URL"] == nil, let index = variables["PIP_INDEX_URL"] {
            variables["UV_DEFAULT_INDEX"] = index
        }
        if variables["UV_INDEX"] == nil, variables["UV_EXTRA_INDEX_URL"] == nil, let extra = variables["PIP_EXTRA_INDEX_URL"] {
            variables["UV_INDEX"] = extra
        }
        if variables["UV_FIND_LINKS"] == nil, let links = variables["PIP_FIND_LINKS"] {
            variables["UV_FIND_LINKS"] = links.split(whereSeparator: \.isWhitespace).joined(separator: ",")
        }
        // pip trusts the system's certificate store (a company's TLS proxy is in it); uv
        // only its own unless told, and then fails where pip works.
        if variables["UV_SYSTEM_CERTS"] == nil && variables["UV_NATIVE_TLS"] == nil {
            variables["UV_SYSTEM_CERTS"] = "1"
        }
        // A certificate bundle set up for pip is uv's too.
        if variables["SSL_CERT_FILE"] == nil, let bundle = variables["PIP_CERT"] {
            variables["SSL_CERT_FILE"] = bundle
        }
    }

    /// The folder an executable is installed in: `PREFIX` of `PREFIX/bin/NAME`, links
    /// resolved (what a sandbox must show for it to run).
    static func installationPrefix(of executable: String) -> String {
        var path = executable
        if let real = realpath(executable, nil) {
            path = String(cString: real)
            free(real)
        }
        return URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The real path of a folder (created if needed): venvs record absolute paths, which must
    /// not go through a symlink that may later point elsewhere.
    static func resolved(_ url: URL) -> URL {
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard let real = realpath(url.path, nil) else { return url.standardizedFileURL }
        defer { free(real) }
        return URL(fileURLWithPath: String(cString: real), isDirectory: true)
    }
}
