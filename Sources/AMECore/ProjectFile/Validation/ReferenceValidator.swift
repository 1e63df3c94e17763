/// Checks that need the whole file: `taskref` and `needs` name real tasks and steps, and
/// `needs` forms no cycle.
struct ReferenceValidator {
    let project: ProjectFile
    let file: String

    func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let names = project.taskNames
        for schedule in project.recurringTasks where project.task(named: schedule.taskRef) == nil {
            let location = project.locations["recurring_tasks.\(schedule.name).taskref"] ?? .start
            let hint: String
            if let suggestion = Suggestion.closest(to: schedule.taskRef, in: names) {
                hint = "did you mean '\(suggestion)'?"
            } else if names.isEmpty {
                hint = "add the task under 'tasks:'"
            } else {
                hint = "tasks in this file: \(names.joined(separator: ", "))"
            }
            diagnostics.append(Diagnostic(file: file, location: location,
                                          message: "schedule '\(schedule.name)' refers to task '\(schedule.taskRef)', which does not exist",
                                          hint: hint))
        }
        for task in project.tasks {
            guard let steps = task.pipeline else { continue }
            diagnostics += validateNeeds(task: task, steps: steps)
        }
        return diagnostics
    }

    private func validateNeeds(task: TaskSpec, steps: [TaskSpec]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let stepNames = steps.map(\.name)
        var graph: [String: [String]] = [:]
        for (index, step) in steps.enumerated() {
            let location = project.locations["tasks.\(task.name).pipeline.\(step.name).needs"] ?? .start
            guard let needs = step.needs else {
                graph[step.name] = index == 0 ? [] : [steps[index - 1].name]
                continue
            }
            var valid: [String] = []
            for need in needs {
                if need == step.name {
                    diagnostics.append(Diagnostic(file: file, location: location,
                                                  message: "step '\(step.name)' of task '\(task.name)' needs itself",
                                                  hint: "remove '\(need)' from its 'needs'"))
                } else if !stepNames.contains(need) {
                    let hint = Suggestion.closest(to: need, in: stepNames).map { "did you mean '\($0)'?" }
                        ?? "steps of this pipeline: \(stepNames.joined(separator: ", "))"
                    diagnostics.append(Diagnostic(file: file, location: location,
                                                  message: "step '\(step.name)' of task '\(task.name)' needs '\(need)', which is not a step of this pipeline",
                                                  hint: hint))
                } else {
                    valid.append(need)
                }
            }
            graph[step.name] = valid
        }
        if let cycle = Self.findCycle(in: graph, order: stepNames) {
            let first = cycle[0]
            let location = project.locations["tasks.\(task.name).pipeline.\(first).needs"]
                ?? project.locations["tasks.\(task.name).pipeline.\(first)"] ?? .start
            diagnostics.append(Diagnostic(file: file, location: location,
                                          message: "the steps of task '\(task.name)' wait for each other in a cycle: \((cycle + [first]).joined(separator: " -> "))",
                                          hint: "remove one of these 'needs' so the steps can start"))
        }
        return diagnostics
    }

    /// A cycle in the dependency graph, as the steps on it, or nil.
    static func findCycle(in graph: [String: [String]], order: [String]) -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        func visit(_ node: String) -> [String]? {
            if marks[node] == .done { return nil }
            if marks[node] == .visiting {
                guard let start = stack.firstIndex(of: node) else { return [node] }
                return Array(stack[start...])
            }
            marks[node] = .visiting
            stack.append(node)
            for next in graph[node] ?? [] {
                if let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            marks[node] = .done
            return nil
        }
        for node in order {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }
}
