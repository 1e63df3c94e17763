import AMECore
import Foundation

/// Why a Python environment cannot be planned or built, in words for the person who wrote
/// the project: what is wrong, then (in `hint`) what to do about it.
public enum PythonEnvironmentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The project or `ame.yaml` asks for a Python this machine does not have.
    /// `origin` says where the request was written, e.g. `python = "3.10.9" in pyproject.toml`.
    case pythonUnavailable(requirement: String, origin: String, available: [String])
    /// A version constraint AME cannot read.
    case unreadablePythonRequirement(requirement: String, origin: String)
    /// `dependencies:` names a manager but the project lacks the files it works from.
    case missingProjectFiles(manager: DependencyManager, expected: [String])
    /// The project needs conda (`environment.yml`) and neither conda nor mamba is installed.
    case condaNotFound(file: String)
    /// AME could not install a tool (uv, poetry, pipenv) into its own tool cache.
    case toolInstallFailed(tool: String, exitCode: Int32, outputTail: String)
    /// The dependency manager failed; `outputTail` holds the last lines it printed.
    case buildFailed(manager: DependencyManager, command: String, exitCode: Int32, outputTail: String)
    /// A file AME needs could not be read or written.
    case fileProblem(path: String, reason: String)

    /// The sentence saying what went wrong.
    public var message: String {
        switch self {
        case .pythonUnavailable(let requirement, let origin, let available):
            let wanted = PythonVersion(requirement).map { _ in "Python \(requirement)" } ?? "a Python matching '\(requirement)'"
            let have = available.isEmpty
                ? "this machine has no Python 3 interpreter"
                : "this machine has Python \(available.joined(separator: ", "))"
            return "this project needs \(wanted) (\(origin)), but \(have)"
        case .unreadablePythonRequirement(let requirement, let origin):
            return "cannot read the Python version '\(requirement)' (\(origin))"
        case .missingProjectFiles(let manager, let expected):
            return "'dependencies: \(manager.rawValue)' needs \(Self.list(expected, conjunction: "or")) in the project directory, and there is none"
        case .condaNotFound(let file):
            return "this project describes its environment in \(file), which needs conda or mamba, and neither is installed"
        case .toolInstallFailed(let tool, let exitCode, let tail):
            return "could not install \(tool) into AME's tool cache (exit code \(exitCode))" + Self.quoted(tail)
        case .buildFailed(let manager, let command, let exitCode, let tail):
            return "\(Self.name(of: manager)) failed to build the Python environment (exit code \(exitCode) from `\(command)`)" + Self.quoted(tail)
        case .fileProblem(let path, let reason):
            return "cannot use \(path): \(reason)"
        }
    }

    /// What to do about it.
    public var hint: String? {
        switch self {
        case .pythonUnavailable(let requirement, let origin, let available):
            let fromTask = origin.contains("ame.yaml")
            // AME's own needs ("to install uv") cannot be changed in ame.yaml.
            let forAME = origin.hasPrefix("to ")
            var steps: [String] = []
            if let version = PythonVersion(requirement) {
                steps.append("install Python \(version) (for example `pyenv install \(version)`)")
            } else {
                steps.append("install a Python matching '\(requirement)'")
            }
            if !available.isEmpty && !forAME {
                steps.append(fromTask
                    ? "set 'python:' in ame.yaml to one of \(available.joined(separator: ", "))"
                    : "set 'python:' in ame.yaml to one of the versions above to override the project")
            }
            return steps.joined(separator: ", or ")
        case .unreadablePythonRequirement:
            return "write a version such as 3.11 or 3.11.7, or a range such as >=3.9,<3.12"
        case .missingProjectFiles(let manager, _):
            return "add the file, or remove 'dependencies: \(manager.rawValue)' from ame.yaml to let AME detect the environment"
        case .condaNotFound:
            return "install Miniforge (conda and mamba) on this machine, or list the packages in a requirements.txt and set 'dependencies: pip' in ame.yaml"
        case .toolInstallFailed(let tool, _, _):
            return "check the network and the package index settings (PIP_INDEX_URL); AME runs `pip install \(tool)` into its own cache"
        case .buildFailed(let manager, _, _, _):
            switch manager {
            case .uv: return "run `uv sync` in the project to see the same error; a stale uv.lock is fixed with `uv lock`"
            case .poetry: return "run `poetry install` in the project to see the same error; a stale poetry.lock is fixed with `poetry lock`"
            case .pipenv: return "run `pipenv install --deploy` in the project to see the same error; a stale Pipfile.lock is fixed with `pipenv lock`"
            case .conda: return "run `conda env create -f environment.yml` to see the same error"
            default: return "the lines above show what pip could not install; check the requirement names and versions"
            }
        case .fileProblem:
            return nil
        }
    }

    public var description: String {
        guard let hint else { return message }
        return "\(message)\n  hint: \(hint)"
    }

    static func name(of manager: DependencyManager) -> String {
        manager == .none || manager == .auto ? "pip" : manager.rawValue
    }

    private static func quoted(_ tail: String) -> String {
        let lines = tail.split(separator: "\n", omittingEmptySubsequences: false).map { "  | \($0)" }
        return lines.isEmpty || tail.isEmpty ? "" : ":\n" + lines.joined(separator: "\n")
    }

    private static func list(_ items: [String], conjunction: String) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) \(last)"
    }
}
