import AMECore
import Foundation

/// What environment a task needs, decided from the project's files before anything is
/// built: the recipe, the files whose contents define it, and the interpreter. Two plans
/// with the same `key` describe the same environment, so one build serves both, whichever
/// project they came from.
public struct PythonEnvironmentPlan: Hashable, Sendable, CustomStringConvertible {
    /// How the environment is built.
    public enum Recipe: Hashable, Sendable {
        /// `python -m venv` and nothing else (`python:` set, no project files).
        case emptyVenv
        /// A venv, then `pip install -r file`.
        case pipRequirements(file: String)
        /// MLflow's `python_env.yaml`: a venv, its build dependencies, then its dependencies.
        case mlflowPythonEnv(file: String, buildDependencies: [String], dependencies: [String])
        /// `uv sync` into the environment (`--frozen` when there is a `uv.lock`).
        case uv(locked: Bool)
        /// A venv, `poetry export` of the lock (made first when missing), `pip install` of that.
        case poetry(locked: Bool, groups: [String])
        /// A venv, then `pipenv install --deploy` into it (plain `pipenv install` without a lock).
        case pipenv(locked: Bool)
        /// `conda env create -p ENV -f file` (or mamba); `python` is added when the file pins none.
        case conda(file: String, python: String?)
    }

    public var recipe: Recipe
    /// The project files (relative paths) whose contents are hashed into `contentHash`.
    public var lockFiles: [String]
    /// SHA-256 (hex) over `lockFiles`: names and contents.
    public var contentHash: String
    /// The interpreter the venv is made from; nil for conda, which brings its own.
    public var interpreter: PythonInterpreter?
    /// The environment's folder name under `EngineLayout.environments`, e.g.
    /// `uv-py3.11.7-3f2a…`: manager, Python version, and a digest of everything above.
    public var key: String
    /// Why this manager: "uv.lock", "dependencies: pip in ame.yaml", …
    public var reason: String
    /// Requirements installed after the recipe (`RunRequest.extraPackages`), in order.
    public var extraPackages: [String]
    /// What installs the packages of a venv AME makes itself (requirements.txt,
    /// python_env.yaml, Poetry's export, extra packages): `installer:` in ame.yaml, uv by
    /// default. Not part of `key`: both install the same versions, so either's environment serves.
    public var installer: PackageInstaller

    public init(recipe: Recipe, lockFiles: [String], contentHash: String, interpreter: PythonInterpreter?, key: String, reason: String,
                extraPackages: [String] = [], installer: PackageInstaller = .uv) {
        self.recipe = recipe
        self.lockFiles = lockFiles
        self.contentHash = contentHash
        self.interpreter = interpreter
        self.key = key
        self.reason = reason
        self.extraPackages = extraPackages
        self.installer = installer
    }

    /// The manager as `ame.yaml` names it (`pip` for requirements.txt, python_env.yaml and
    /// a bare venv).
    public var manager: DependencyManager {
        switch recipe {
        case .emptyVenv, .pipRequirements, .mlflowPythonEnv: .pip
        case .uv: .uv
        case .poetry: .poetry
        case .pipenv: .pipenv
        case .conda: .conda
        }
    }

    /// One line for the run's log, e.g. "uv environment (from uv.lock) with Python 3.11.7".
    public var description: String {
        let kind: String
        switch recipe {
        case .emptyVenv: kind = "empty virtual environment"
        case .mlflowPythonEnv: kind = "pip environment"
        default: kind = "\(manager.rawValue) environment"
        }
        let python = interpreter.map { " with Python \($0.version)" } ?? ""
        let extras = extraPackages.isEmpty ? "" : ", plus \(extraPackages.joined(separator: " "))"
        return "\(kind) (from \(reason))\(python)\(extras)"
    }
}
