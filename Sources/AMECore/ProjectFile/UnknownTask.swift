/// What AME says of a task name the project file does not have, the same wherever it is
/// noticed (by `ame run` before anything is uploaded, by the engine in what was uploaded).
public struct UnknownTask: Sendable, Equatable {
    public var message: String
    public var hint: String

    public init(_ name: String, in projectFile: String, tasks: [String]) {
        message = "task '\(name)' is not in \(projectFile)"
        if let suggestion = Suggestion.closest(to: name, in: tasks) {
            hint = "did you mean '\(suggestion)'?"
        } else if tasks.isEmpty {
            hint = "add one with 'ame create task'"
        } else {
            hint = "tasks in \(projectFile): \(tasks.joined(separator: ", "))"
        }
    }
}
