/// How a task's Python environment is built.
public enum DependencyManager: String, Hashable, Sendable, Codable, CaseIterable {
    /// Detect from the project's files (`uv.lock`, `poetry.lock`, `Pipfile`, `requirements.txt`, …).
    case auto
    case pip
    case poetry
    case pipenv
    case uv
    case conda
    /// Run the command as is, with no environment set up.
    case none
}
