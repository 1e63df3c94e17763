import AMECore
import Crypto
import Foundation

/// Decides, from a project directory and a task's `python:`/`dependencies:`, which Python
/// environment the task runs in, and fails early when this machine cannot provide the
/// Python the project asks for.
///
/// Detection, first match wins (the lock files first, because they say exactly what to install):
///
/// | file | manager |
/// |---|---|
/// | `uv.lock` | uv |
/// | `poetry.lock` | poetry |
/// | `Pipfile.lock` | pipenv |
/// | `pyproject.toml` with `[tool.uv]` | uv (locks first) |
/// | `pyproject.toml` with `[tool.poetry]` | poetry (locks first) |
/// | `Pipfile` | pipenv (locks first) |
/// | `python_env.yaml` (MLflow) | venv + pip, with its Python |
/// | `requirements.txt` | venv + pip |
/// | `environment.yml` / `.yaml` | conda or mamba |
/// | `pyproject.toml` with `[project]` | uv (resolves its dependencies) |
///
/// Nothing found: no environment, unless `python:` is set (an empty venv of that version).
/// `requirements.txt` comes before `environment.yml` because a project with both usually
/// offers them as alternatives and pip works everywhere; `dependencies: conda` picks conda.
///
/// The interpreter: `python:` from `ame.yaml`, else `.python-version` (pyenv's and uv's
/// per-project choice), else the manager's own pin (`requires-python`, Poetry's `python`, the
/// Pipfile's `python_full_version`/`python_version`, python_env.yaml's `python`), else AME's
/// default (`PythonDefault`, also the base of `ame image init` and the Kubernetes default
/// image), which a range pin takes too when it allows it; the user's default `python3` only
/// where this machine lacks that one. Conda environments bring their own Python.
public enum PythonEnvironmentPlanner {
    /// Part of every key: raise it when the way environments are built changes, so
    /// environments built the old way are not reused.
    static let recipeVersion = "1"

    /// Nil when the task runs without an environment (`dependencies: none`, or no Python
    /// project files and no `python:`) and the run asks for no `extraPackages`.
    ///
    /// `extraPackages` (a run's extra requirements, such as `jupyterlab` for a notebook
    /// session) are installed after the project's own dependencies. They are part of the
    /// key, so the project's environment without them stays as it is and both are reused.
    /// Without project files, or with `dependencies: none`, they get a venv of their own.
    public static func plan(
        projectDirectory: URL,
        python: String?,
        dependencies: DependencyManager?,
        catalog: PythonInterpreterCatalog,
        extraPackages: [String] = [],
        installer: PackageInstaller? = nil
    ) throws -> PythonEnvironmentPlan? {
        let manager = dependencies ?? .auto
        let extras = normalized(extraPackages)
        if manager == .none && extras.isEmpty { return nil }
        let files = try PythonProjectFiles(directory: projectDirectory)
        let choice: Choice
        if manager == .none {
            choice = Choice(recipe: .emptyVenv, files: [], reason: "the run's extra packages; dependencies: none in ame.yaml")
        } else if manager == .auto {
            if let detected = try detect(files, taskPython: python) {
                choice = detected
            } else if python != nil {
                choice = Choice(recipe: .emptyVenv, files: [], reason: "python: in ame.yaml")
            } else if !extras.isEmpty {
                choice = Choice(recipe: .emptyVenv, files: [], reason: "the run's extra packages")
            } else {
                return nil
            }
        } else {
            choice = try forced(manager, files, taskPython: python)
        }
        var plan = try makePlan(choice, files: files, taskPython: python, catalog: catalog, extraPackages: extras)
        plan.installer = installer ?? .uv
        return plan
    }

    /// Trimmed, without blanks and repeats, in the order given.
    static func normalized(_ packages: [String]) -> [String] {
        var seen = Set<String>()
        return packages.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// A chosen recipe before the interpreter and hashes are worked out.
    struct Choice {
        var recipe: PythonEnvironmentPlan.Recipe
        /// Project files defining the environment, hashed in this order.
        var files: [String]
        var reason: String
        /// The project's own Python pin and where it was written.
        var pin: (requirement: String, origin: String)?
        /// Something is installed from the project directory itself, so the environment
        /// belongs to that directory and is not shared with other projects.
        var local = false
    }

    static func detect(_ files: PythonProjectFiles, taskPython: String?) throws -> Choice? {
        let pyproject = files.pyproject
        if files.exists("uv.lock") { return try uv(files, reason: "uv.lock") }
        if files.exists("poetry.lock") { return try poetry(files, reason: "poetry.lock") }
        if files.exists("Pipfile.lock") { return try pipenv(files, reason: "Pipfile.lock") }
        if pyproject?.contains(["tool", "uv"]) == true { return try uv(files, reason: "[tool.uv] in pyproject.toml") }
        if pyproject?.contains(["tool", "poetry"]) == true { return try poetry(files, reason: "[tool.poetry] in pyproject.toml") }
        if files.pipfile != nil { return try pipenv(files, reason: "Pipfile") }
        if files.exists("python_env.yaml") { return try mlflow(files, reason: "python_env.yaml") }
        if files.exists("requirements.txt") { return try pip(files, reason: "requirements.txt") }
        if let condaFile = files.condaFile { return try conda(files, file: condaFile, taskPython: taskPython, reason: condaFile) }
        if pyproject?.contains(["project"]) == true { return try uv(files, reason: "[project] in pyproject.toml") }
        return nil
    }

    static func forced(_ manager: DependencyManager, _ files: PythonProjectFiles, taskPython: String?) throws -> Choice {
        let reason = "dependencies: \(manager.rawValue) in ame.yaml"
        switch manager {
        case .pip:
            if files.exists("requirements.txt") { return try pip(files, reason: reason) }
            if files.exists("python_env.yaml") { return try mlflow(files, reason: reason) }
            throw PythonEnvironmentError.missingProjectFiles(manager: .pip, expected: ["requirements.txt", "python_env.yaml"])
        case .uv:
            guard files.pyproject != nil else { throw PythonEnvironmentError.missingProjectFiles(manager: .uv, expected: ["pyproject.toml"]) }
            return try uv(files, reason: reason)
        case .poetry:
            guard files.pyproject != nil else { throw PythonEnvironmentError.missingProjectFiles(manager: .poetry, expected: ["pyproject.toml"]) }
            return try poetry(files, reason: reason)
        case .pipenv:
            guard files.pipfile != nil else { throw PythonEnvironmentError.missingProjectFiles(manager: .pipenv, expected: ["Pipfile"]) }
            return try pipenv(files, reason: reason)
        case .conda:
            guard let condaFile = files.condaFile else {
                throw PythonEnvironmentError.missingProjectFiles(manager: .conda, expected: ["environment.yml", "environment.yaml"])
            }
            return try conda(files, file: condaFile, taskPython: taskPython, reason: reason)
        case .auto, .none:
            // Handled by the caller; kept total for the compiler.
            throw PythonEnvironmentError.missingProjectFiles(manager: manager, expected: [])
        }
    }

    // MARK: - One function per manager

    static func uv(_ files: PythonProjectFiles, reason: String) throws -> Choice {
        let locked = files.exists("uv.lock")
        var choice = Choice(recipe: .uv(locked: locked), files: ["pyproject.toml"] + (locked ? ["uv.lock"] : []), reason: reason)
        if let requires = files.pyproject?.string(["project", "requires-python"]) {
            choice.pin = (requires, "requires-python = \"\(requires)\" in pyproject.toml")
        }
        if locked {
            // Path and editable sources other than the project itself install from its directory.
            let lock = try files.text("uv.lock")
            choice.local = ["editable", "directory", "path"].contains { kind in
                lock.components(separatedBy: "source = { \(kind) = \"").dropFirst().contains { !$0.hasPrefix(".\"") }
            }
        }
        return choice
    }

    static func poetry(_ files: PythonProjectFiles, reason: String) throws -> Choice {
        let pyproject = files.pyproject
        let locked = files.exists("poetry.lock")
        // `poetry install` installs every group not marked optional; export needs them named.
        var groups: [String] = []
        for group in pyproject?.childTables(of: ["tool", "poetry", "group"]) ?? [] {
            if pyproject?.value(["tool", "poetry", "group", group, "optional"]) == .raw("true") { continue }
            groups.append(group)
        }
        if pyproject?.contains(["tool", "poetry", "dev-dependencies"]) == true && !groups.contains("dev") { groups.append("dev") }
        var choice = Choice(recipe: .poetry(locked: locked, groups: groups),
                            files: (pyproject != nil ? ["pyproject.toml"] : []) + (locked ? ["poetry.lock"] : []), reason: reason)
        let poetryPython = pyproject?.value(["tool", "poetry", "dependencies", "python"])
        if let python = poetryPython?.string ?? poetryPython.flatMap({ value -> String? in
            if case .raw(let raw) = value { return TOMLScanner.inlineString(raw, key: "version") }
            return nil
        }) {
            choice.pin = (python, "python = \"\(python)\" in pyproject.toml [tool.poetry.dependencies]")
        } else if let requires = pyproject?.string(["project", "requires-python"]) {
            choice.pin = (requires, "requires-python = \"\(requires)\" in pyproject.toml")
        }
        if locked {
            let lock = try files.text("poetry.lock")
            choice.local = lock.contains("type = \"directory\"") || lock.contains("type = \"file\"")
        }
        return choice
    }

    static func pipenv(_ files: PythonProjectFiles, reason: String) throws -> Choice {
        let locked = files.exists("Pipfile.lock")
        guard files.pipfile != nil || !locked else {
            // A lone Pipfile.lock: pipenv needs the Pipfile beside it.
            throw PythonEnvironmentError.missingProjectFiles(manager: .pipenv, expected: ["Pipfile"])
        }
        var choice = Choice(recipe: .pipenv(locked: locked), files: ["Pipfile"] + (locked ? ["Pipfile.lock"] : []), reason: reason)
        for key in ["python_full_version", "python_version"] {
            if let version = files.pipfile?.string(["requires", key]) {
                choice.pin = (version, "\(key) = \"\(version)\" in Pipfile [requires]")
                break
            }
        }
        if locked {
            let lock = try files.text("Pipfile.lock")
            choice.local = lock.contains("\"editable\": true") || lock.contains("\"path\":")
        }
        return choice
    }

    static func pip(_ files: PythonProjectFiles, reason: String) throws -> Choice {
        let closure = try files.requirementsClosure("requirements.txt")
        var choice = Choice(recipe: .pipRequirements(file: "requirements.txt"), files: closure.files, reason: reason)
        choice.local = closure.local
        if let requires = files.pyproject?.string(["project", "requires-python"]) {
            choice.pin = (requires, "requires-python = \"\(requires)\" in pyproject.toml")
        }
        return choice
    }

    static func mlflow(_ files: PythonProjectFiles, reason: String) throws -> Choice {
        let document = SimpleYAMLDocument(try files.text("python_env.yaml"))
        let build = document.lists["build_dependencies"] ?? []
        let dependencies = document.lists["dependencies"] ?? []
        var choice = Choice(recipe: .mlflowPythonEnv(file: "python_env.yaml", buildDependencies: build, dependencies: dependencies),
                            files: ["python_env.yaml"], reason: reason)
        // `-r requirements.txt` entries bring their files into the hash.
        for line in build + dependencies {
            for (option, argument, text) in PythonProjectFiles.requirementLines(line) {
                if let option, let argument, ["-r", "--requirement", "-c", "--constraint"].contains(option) {
                    let closure = try files.requirementsClosure(argument)
                    choice.files += closure.files.filter { !choice.files.contains($0) }
                    choice.local = choice.local || closure.local
                } else if PythonProjectFiles.isLocalReference(option: option, line: text) {
                    choice.local = true
                }
            }
        }
        if let python = document.scalars["python"] {
            choice.pin = (python, "python: \"\(python)\" in python_env.yaml")
        }
        return choice
    }

    static func conda(_ files: PythonProjectFiles, file: String, taskPython: String?, reason: String) throws -> Choice {
        let document = SimpleYAMLDocument(try files.text(file))
        // conda match specs: "python", "python=3.10", "python==3.10.4", "python >=3.9".
        let pinned = (document.lists["dependencies"] ?? []).contains { item in
            let name = item.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ":" }
            return name == "python" || name.hasSuffix("::python")
        }
        // `python:` from ame.yaml is added only when the file leaves Python open; a file that
        // pins it has the last word, as `conda env create` would give it.
        return Choice(recipe: .conda(file: file, python: pinned ? nil : taskPython), files: [file], reason: reason)
    }

    // MARK: - Interpreter and key

    /// An interpreter of AME's default minor release (`PythonDefault`) that `requirement`
    /// allows, the one found first; nil when there is none.
    static func defaultPython(_ catalog: PythonInterpreterCatalog, within requirement: PythonVersionRequirement?) -> PythonInterpreter? {
        guard let series = PythonVersionRequirement(PythonDefault.version) else { return nil }
        return catalog.interpreters.first { interpreter in
            guard let release = interpreter.release else { return false }
            return series.isSatisfied(by: release) && (requirement?.isSatisfied(by: release) ?? true)
        }
    }

    static func makePlan(_ choice: Choice, files: PythonProjectFiles, taskPython: String?, catalog: PythonInterpreterCatalog,
                         extraPackages: [String] = []) throws -> PythonEnvironmentPlan {
        var choice = choice
        var interpreter: PythonInterpreter?
        if case .conda = choice.recipe {
            interpreter = nil
        } else {
            // `.python-version` is what pyenv (and uv) pick in the project directory, so it is
            // what the project runs with locally, whichever manager it uses.
            let versionFile = files.pythonVersionFile().map { ($0, "\($0) in .python-version") }
            let request = taskPython.map { ($0, "python: \"\($0)\" in ame.yaml") } ?? versionFile ?? choice.pin
            if let (text, origin) = request {
                guard let requirement = PythonVersionRequirement(text) else {
                    throw PythonEnvironmentError.unreadablePythonRequirement(requirement: text, origin: origin)
                }
                // Within what the pin allows, AME's default first: one Python everywhere.
                guard let found = defaultPython(catalog, within: requirement) ?? catalog.best(matching: requirement) else {
                    throw PythonEnvironmentError.pythonUnavailable(requirement: text, origin: origin, available: catalog.availableVersions)
                }
                interpreter = found
            } else if let found = defaultPython(catalog, within: nil) {
                interpreter = found
            } else {
                guard let found = catalog.preferred else {
                    throw PythonEnvironmentError.pythonUnavailable(requirement: "3", origin: "to build the environment", available: [])
                }
                // Said in the log line that describes the environment.
                choice.reason += "; Python \(PythonDefault.version), AME's default, is not on this machine"
                interpreter = found
            }
        }

        var contents = SHA256()
        for file in choice.files {
            let data: Data
            do {
                data = try Data(contentsOf: files.url(file))
            } catch {
                throw PythonEnvironmentError.fileProblem(path: files.url(file).path, reason: "it cannot be read")
            }
            contents.update(data: Data("\(file)\u{0}\(data.count)\u{0}".utf8))
            contents.update(data: data)
        }
        let contentHash = Hex.encode(contents.finalize())

        // Everything that makes one environment differ from another goes into its key.
        var identity = SHA256()
        var parts = [recipeVersion, String(describing: choice.recipe), contentHash,
                     interpreter.map { "\($0.path)\u{0}\($0.version)" } ?? "conda"]
        if choice.local { parts.append(files.directory.standardizedFileURL.path) }
        // Only when there are any, so the keys of environments without extras stay as they were.
        if !extraPackages.isEmpty { parts.append("extra\u{0}" + extraPackages.sorted().joined(separator: "\u{0}")) }
        identity.update(data: Data(parts.joined(separator: "\u{1}").utf8))
        let manager: String
        switch choice.recipe {
        case .emptyVenv: manager = "venv"
        case .pipRequirements, .mlflowPythonEnv: manager = "pip"
        case .uv: manager = "uv"
        case .poetry: manager = "poetry"
        case .pipenv: manager = "pipenv"
        case .conda: manager = "conda"
        }
        let python: String
        if let interpreter {
            python = "py\(interpreter.version)"
        } else if case .conda(_, let requested?) = choice.recipe {
            python = "py\(requested)"
        } else {
            python = "pyconda"
        }
        let key = "\(manager)-\(python)-\(Hex.encode(identity.finalize()).prefix(20))"
        return PythonEnvironmentPlan(recipe: choice.recipe, lockFiles: choice.files, contentHash: contentHash,
                                     interpreter: interpreter, key: key, reason: choice.reason, extraPackages: extraPackages)
    }
}
