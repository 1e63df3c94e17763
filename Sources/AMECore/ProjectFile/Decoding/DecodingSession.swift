import Foundation
import Yams

/// The state of one decode: the diagnostics so far and where each value was found.
final class DecodingSession {
    let file: String
    let source: String
    private(set) var diagnostics: [Diagnostic] = []
    var locations: [String: SourceLocation] = [:]
    /// Schedules left out of the project for an error of their own, kept so that their
    /// `taskref` is checked too: one mistake should not hide another.
    private(set) var invalidSchedules: [RecurringTask] = []
    private var visitedNodes = 0
    private var tooLargeReported = false

    init(file: String, source: String) {
        self.file = file
        self.source = source
    }

    // MARK: Reporting

    func error(_ message: String, at node: Node?, hint: String? = nil) {
        error(message, at: location(of: node), hint: hint)
    }

    func error(_ message: String, at location: SourceLocation, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: file, location: location, message: message, hint: hint))
    }

    func warning(_ message: String, at node: Node?, hint: String? = nil) {
        diagnostics.append(Diagnostic(file: file, location: location(of: node), severity: .warning, message: message, hint: hint))
    }

    func location(of node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return .start }
        return SourceLocation(line: mark.line, column: mark.column)
    }

    /// Counts nodes so that alias expansion cannot make decoding run away.
    func visit() -> Bool {
        visitedNodes += 1
        if visitedNodes > ProjectFileDecoder.maximumNodes {
            if !tooLargeReported {
                tooLargeReported = true
                error("the file expands to more than \(ProjectFileDecoder.maximumNodes) values", at: .start,
                      hint: "check for aliases (*name) that refer to each other many times")
            }
            return false
        }
        return true
    }

    // MARK: Document

    func decodeDocument() -> ProjectFile? {
        guard source.utf8.count <= ProjectFileDecoder.maximumSize else {
            error("the file is larger than \(ProjectFileDecoder.maximumSize / 1024 / 1024) MiB", at: .start,
                  hint: "ame.yaml describes tasks; data belongs in other files")
            return nil
        }
        // Yams builds its tree recursively: refuse absurd nesting before it overflows the stack.
        if let location = NestingCheck.firstTooDeep(in: source, limit: ProjectFileDecoder.maximumDepth) {
            error("the file nests lists and mappings more than \(ProjectFileDecoder.maximumDepth) levels deep", at: location,
                  hint: "ame.yaml needs only a few levels: look for '[' or '{' that are never closed, or indentation that keeps growing")
            return nil
        }
        var root: Node?
        var text = source
        // Lines whose bad indentation was reported and set right to read on.
        var repaired = Set<Int>()
        while true {
            do {
                // `.basic`: no implicit-type rules. The decoder reads every scalar's text itself
                // (Yams's `.null`/`.bool`/`.int` look at the text, not the tag), and the default
                // rules are seven ICU regular expressions, compiled by every process that reads
                // an ame.yaml (a few milliseconds of each `ame run`).
                root = try Yams.compose(yaml: text, .basic)
                break
            } catch {
                let diagnostic = YAMLSyntaxError.diagnostic(for: error, source: text, file: file)
                diagnostics.append(diagnostic)
                // Every mistake at once, indentation too: read on as if the line were indented
                // like the key it most likely belongs with.
                guard repaired.count < 50, repaired.insert(diagnostic.line).inserted,
                      let next = YAMLSyntaxError.repairingIndentation(text, at: diagnostic) else { return nil }
                text = next
            }
        }
        if !repaired.isEmpty {
            // The file as written is not YAML: what the repaired text says is reported, but it
            // is not the project.
            if let root, root.null == nil, let pairs = mapping(root, what: "the top level of \(file)", hint: "") {
                _ = decodeProject(root: root, pairs: pairs)
            }
            return nil
        }
        guard let root, root.null == nil else {
            error("the file is empty", at: .start, hint: "start it with 'projectname: NAME' and a 'tasks:' section")
            return nil
        }
        guard let pairs = mapping(root, what: "the top level of \(file)", hint: "ame.yaml is a mapping: 'projectname: NAME' then 'tasks:'") else {
            return nil
        }
        return decodeProject(root: root, pairs: pairs)
    }

    private func decodeProject(root: Node, pairs: [(key: String, keyNode: Node, value: Node)]) -> ProjectFile? {
        var projectName: String?
        var tasks: [TaskSpec] = []
        var recurring: [RecurringTask] = []
        for (key, keyNode, value) in pairs {
            switch key {
            case "projectname":
                locations["projectname"] = location(of: value)
                projectName = projectNameValue(value, keyNode: keyNode)
            case "tasks":
                tasks = decodeTasks(value, keyNode: keyNode)
            case "recurring_tasks":
                recurring = decodeRecurringTasks(value, keyNode: keyNode)
            default:
                unknownKey(key, keyNode: keyNode, in: "at the top level", allowed: ["projectname", "tasks", "recurring_tasks"])
            }
        }
        if projectName == nil, !pairs.contains(where: { $0.key == "projectname" }) {
            error("missing 'projectname'", at: root, hint: "add 'projectname: NAME' at the top of the file")
        }
        if !pairs.contains(where: { $0.key == "tasks" }) && !recurring.isEmpty {
            error("'recurring_tasks' refers to tasks, but the file has no 'tasks' section", at: root, hint: "add a 'tasks:' section with the tasks to run")
        }
        return ProjectFile(projectName: projectName ?? "", tasks: tasks, recurringTasks: recurring, locations: locations)
    }

    private func projectNameValue(_ node: Node, keyNode: Node) -> String? {
        guard let name = scalarString(node, what: "'projectname'", keyNode: keyNode) else { return nil }
        guard !name.isEmpty else {
            error("'projectname' is empty", at: keyNode, hint: "write 'projectname: NAME'")
            return nil
        }
        guard Names.isValidProjectName(name) else {
            error("project name '\(name)' may only contain letters, digits, '.', '_' and '-'", at: node,
                  hint: "for example 'projectname: \(Names.suggestedName(from: name))'")
            return nil
        }
        return name
    }

    // MARK: Recurring tasks

    private func decodeRecurringTasks(_ node: Node, keyNode: Node) -> [RecurringTask] {
        if node.null != nil { return [] }
        guard let pairs = mapping(node, what: "'recurring_tasks'", hint: "write each schedule as NAME: {taskref: TASK, schedule: '0 12 * * *'}") else {
            return []
        }
        var result: [RecurringTask] = []
        for (name, nameNode, body) in pairs {
            let path = "recurring_tasks.\(name)"
            locations[path] = location(of: nameNode)
            guard Names.isValidTaskName(name) else {
                error("schedule name '\(name)' may only contain letters, digits, '.', '_' and '-'", at: nameNode)
                continue
            }
            guard let fields = mapping(body, what: "schedule '\(name)'", hint: "give it 'taskref: TASK' and 'schedule: CRON'", keyNode: nameNode) else {
                continue
            }
            var taskRef: String?
            var schedule: String?
            var timezone: String?
            var concurrency = RecurringTask.Concurrency.skip
            var catchup = true
            // Required keys that appear misspelled: reported once, as the typo.
            var misspelled: Set<String> = []
            for (key, fieldKey, value) in fields {
                switch key {
                case "taskref":
                    locations["\(path).taskref"] = location(of: value)
                    taskRef = scalarString(value, what: "'taskref' of schedule '\(name)'", keyNode: fieldKey)
                    if taskRef?.isEmpty == true {
                        error("'taskref' of schedule '\(name)' is empty", at: fieldKey, hint: "name the task to run")
                        taskRef = nil
                    }
                case "schedule":
                    locations["\(path).schedule"] = location(of: value)
                    if let text = scalarString(value, what: "'schedule' of schedule '\(name)'", keyNode: fieldKey) {
                        schedule = checkCron(text, node: value, owner: name)
                    }
                case "timezone":
                    if let zone = scalarString(value, what: "'timezone' of schedule '\(name)'", keyNode: fieldKey) {
                        if TimeZone(identifier: zone) == nil {
                            let hint = Suggestion.closest(to: zone, in: TimeZone.knownTimeZoneIdentifiers).map { "did you mean '\($0)'?" }
                                ?? "use an IANA name such as UTC or Europe/Oslo"
                            error("unknown time zone '\(zone)' in schedule '\(name)'", at: value, hint: hint)
                        } else {
                            timezone = zone
                        }
                    }
                case "concurrency":
                    if let text = scalarString(value, what: "'concurrency' of schedule '\(name)'", keyNode: fieldKey) {
                        if let parsed = RecurringTask.Concurrency(rawValue: text) {
                            concurrency = parsed
                        } else {
                            error("'concurrency' must be skip or queue, not '\(text)'", at: value,
                                  hint: "skip (default) drops a firing while the previous run is running; queue waits for it")
                        }
                    }
                case "catchup":
                    if let flag = bool(value, what: "'catchup' of schedule '\(name)'") { catchup = flag }
                default:
                    if let suggestion = unknownKey(key, keyNode: fieldKey, in: "in schedule '\(name)'",
                                                   allowed: ["taskref", "schedule", "timezone", "concurrency", "catchup"]) {
                        misspelled.insert(suggestion)
                    }
                }
            }
            if taskRef == nil && !fields.contains(where: { $0.key == "taskref" }) && !misspelled.contains("taskref") {
                error("schedule '\(name)' has no 'taskref'", at: nameNode, hint: "add 'taskref: TASK' naming the task to run")
            }
            if schedule == nil && !fields.contains(where: { $0.key == "schedule" }) && !misspelled.contains("schedule") {
                error("schedule '\(name)' has no 'schedule'", at: nameNode, hint: "add 'schedule: \"0 12 * * *\"' (minute hour day month weekday) or '@daily'")
            }
            if let taskRef, let schedule {
                result.append(RecurringTask(name: name, taskRef: taskRef, schedule: schedule, timezone: timezone, concurrency: concurrency, catchup: catchup))
            } else if let taskRef {
                // Left out of the project, but its taskref is still checked.
                invalidSchedules.append(RecurringTask(name: name, taskRef: taskRef, schedule: ""))
            }
        }
        return result
    }

    private func checkCron(_ text: String, node: Node, owner: String) -> String? {
        do {
            _ = try CronSchedule(parsing: text)
            return text
        } catch {
            var location = self.location(of: node)
            location.column += error.offset + scalarContentOffset(node)
            self.error("invalid cron expression '\(text)' in schedule '\(owner)': \(error.message)", at: location, hint: error.hint)
            return nil
        }
    }

    /// Columns between a scalar's mark and its first character (1 for quoted scalars).
    func scalarContentOffset(_ node: Node) -> Int {
        guard case .scalar(let scalar) = node else { return 0 }
        switch scalar.style {
        case .singleQuoted, .doubleQuoted: return 1
        default: return 0
        }
    }
}
