import AMECore
import ArgumentParser
import Foundation

/// `ame tasks`: what the project can run.
struct TasksCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List the project's tasks with their steps and resources.")

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Print the tasks as JSON.")
    var json = false

    struct Listing: Encodable {
        var projectName: String
        var tasks: [TaskSpec]
        var recurringTasks: [Schedule]
    }

    struct Schedule: Encodable {
        var name: String
        var taskRef: String
        var schedule: String
        var timezone: String?
        var nextFiring: Date?
    }

    /// `cpu 2, memory 8Gi`, or for a step on several nodes `4 nodes × cpu 2, memory 8Gi`.
    static func resources(of step: TaskSpec) -> String {
        let summary = step.resources.summary
        guard step.nodeCount > 1 else { return summary }
        return "\(step.nodeCount) nodes" + (summary.isEmpty ? "" : " × \(summary)")
    }

    func run(context: CommandContext) async throws {
        let parsed = try project.loader(in: context).load()
        let now = Date()
        let schedules = parsed.recurringTasks.map { schedule in
            Schedule(name: schedule.name, taskRef: schedule.taskRef, schedule: schedule.schedule, timezone: schedule.timezone,
                     nextFiring: schedule.cron?.nextFiring(after: now, in: schedule.timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC") ?? .current))
        }
        if json {
            try JSONOutput.write(Listing(projectName: parsed.projectName, tasks: parsed.tasks, recurringTasks: schedules), to: context.terminal)
            return
        }
        let terminal = context.terminal
        let style = terminal.style
        if parsed.tasks.isEmpty {
            terminal.outLine("Project '\(parsed.projectName)' has no tasks yet.")
            terminal.outLine("  Add one: ame create task train --command 'python train.py'")
            return
        }
        var rows: [[String]] = []
        for task in parsed.tasks {
            if let steps = task.pipeline {
                rows.append([style.bold(task.name), "pipeline: " + steps.map(\.name).joined(separator: " → "), task.resources.summary])
                for (index, step) in task.effectiveSteps.enumerated() {
                    let branch = index == steps.count - 1 ? "└─" : "├─"
                    var command = step.runCommand ?? ""
                    if let needs = steps[index].needs { command += style.dim("  (needs \(needs.isEmpty ? "nothing" : needs.joined(separator: ", ")))") }
                    rows.append(["  \(branch) \(step.name)", command, Self.resources(of: step)])
                }
            } else {
                rows.append([style.bold(task.name), task.runCommand ?? "", Self.resources(of: task)])
            }
        }
        terminal.out(TextTable(header: ["TASK", "COMMAND", "RESOURCES"], rows: rows, style: style).render())
        if !schedules.isEmpty {
            terminal.outLine()
            let formatter = ISO8601DateFormatter()
            var scheduleRows: [[String]] = []
            for schedule in schedules {
                scheduleRows.append([schedule.name, schedule.taskRef, schedule.schedule + (schedule.timezone.map { " (\($0))" } ?? ""),
                                     schedule.nextFiring.map(formatter.string(from:)) ?? "never"])
            }
            terminal.out(TextTable(header: ["SCHEDULE", "TASK", "CRON", "NEXT (UTC)"], rows: scheduleRows, style: style).render())
        }
    }
}
