import Yams

/// Text edits to an existing `ame.yaml` that leave everything else exactly as it was:
/// comments, order, quoting and the user's indentation.
public struct ProjectFileEditor: Sendable {
    public enum EditError: Error, Equatable, Sendable, CustomStringConvertible {
        case notYAML
        case taskExists(name: String, line: Int)
        case unsupportedLayout(String)

        public var description: String {
            switch self {
            case .notYAML: "the file is not valid YAML"
            case .taskExists(let name, let line): "a task named '\(name)' already exists (line \(line))"
            case .unsupportedLayout(let reason): reason
            }
        }
    }

    public var source: String

    public init(source: String) {
        self.source = source
    }

    /// A new project file: the name and an empty `tasks:` section.
    public static func newProject(name: String) -> String {
        "projectname: \(YAMLScalar.render(name))\ntasks:\n"
    }

    /// The source with `task` appended to the `tasks:` section.
    public func addingTask(_ task: TaskSpec) throws(EditError) -> String {
        guard let root = try? Yams.compose(yaml: source), case .mapping(let rootMapping) = root else {
            throw .notYAML
        }
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let pairs = Array(rootMapping)
        guard let tasksIndex = pairs.firstIndex(where: { $0.key.string == "tasks" }) else {
            // No tasks section yet: add one at the end.
            let writer = TaskYAMLWriter(indentStep: 2)
            lines.append("tasks:")
            lines += writer.lines(for: task, indent: 2)
            return lines.joined(separator: "\n") + "\n"
        }
        let (tasksKey, tasksValue) = pairs[tasksIndex]
        let keyLine = (tasksKey.mark?.line ?? 1) - 1
        let rootIndent = (tasksKey.mark?.column ?? 1) - 1

        // Yams does not report a mapping's style reliably; a flow mapping starts with '{'.
        let isFlow = Self.character(at: tasksValue.mark, in: lines) == "{"
        switch tasksValue {
        case .mapping(let tasksMapping) where !isFlow && !tasksMapping.isEmpty:
            for (name, _) in tasksMapping where name.string == task.name {
                throw .taskExists(name: task.name, line: name.mark?.line ?? 0)
            }
            let firstTask = tasksMapping.first
            let taskIndent = (firstTask?.key.mark?.column ?? (rootIndent + 3)) - 1
            // The user's own nesting step, read from the first task's first field.
            var step = 2
            if case .mapping(let body)? = firstTask?.value, let field = body.first?.key.mark?.column {
                step = max(1, field - 1 - taskIndent)
            }
            // The section ends before the next top-level key (or at the end of the file);
            // insert after its last line that is indented under it.
            let nextKeyLine = tasksIndex + 1 < pairs.count ? (pairs[tasksIndex + 1].key.mark?.line ?? lines.count + 1) - 1 : lines.count
            var insertAt = keyLine + 1
            for index in (keyLine + 1)..<max(keyLine + 1, nextKeyLine) where index < lines.count {
                let line = lines[index]
                let indent = line.prefix { $0 == " " }.count
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty && indent > rootIndent { insertAt = index + 1 }
            }
            let newLines = TaskYAMLWriter(indentStep: step).lines(for: task, indent: taskIndent)
            lines.insert(contentsOf: newLines, at: insertAt)
        case .mapping(let tasksMapping) where isFlow && tasksMapping.isEmpty:
            // `tasks: {}`: replace the empty flow mapping with a block.
            guard lines.indices.contains(keyLine), let brace = lines[keyLine].range(of: "{}") else {
                throw .unsupportedLayout("'tasks' is written in a form AME cannot add to; write 'tasks:' on its own line")
            }
            lines[keyLine].removeSubrange(brace)
            lines[keyLine] = String(lines[keyLine].reversed().drop { $0 == " " }.reversed())
            lines.insert(contentsOf: TaskYAMLWriter().lines(for: task, indent: rootIndent + 2), at: keyLine + 1)
        case .scalar where tasksValue.null != nil:
            // `tasks:` with nothing under it.
            let valueLine = (tasksValue.mark?.line ?? (keyLine + 1)) - 1
            if valueLine == keyLine, lines.indices.contains(keyLine), let colon = lines[keyLine].range(of: "tasks:") {
                // Drop an explicit `~`/`null`, keep a trailing comment.
                let rest = lines[keyLine][colon.upperBound...]
                let comment = rest.range(of: " #").map { String(rest[$0.lowerBound...]) } ?? ""
                lines[keyLine] = String(lines[keyLine][..<colon.upperBound]) + comment
            }
            lines.insert(contentsOf: TaskYAMLWriter().lines(for: task, indent: rootIndent + 2), at: keyLine + 1)
        default:
            throw .unsupportedLayout("'tasks' is written in flow style ({...}); write each task on its own lines under 'tasks:' so AME can add to it")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func character(at mark: Mark?, in lines: [String]) -> Character? {
        guard let mark, lines.indices.contains(mark.line - 1) else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard scalars.indices.contains(mark.column - 1) else { return nil }
        return Character(scalars[mark.column - 1])
    }
}
