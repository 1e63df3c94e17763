import Yams

/// Setting the `image:` of one task or pipeline step, as a text edit: the value is replaced
/// in place (keeping the user's quoting and any comment after it), or a new `image:` line is
/// added at the end of the task's mapping with the indentation of its other keys. Every
/// other byte of the file stays as it was, and the result is parsed again: it must read as
/// the same project with only that image changed, or nothing is returned.
extension ProjectFileEditor {
    public enum ImageEditError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidImage(image: String, message: String, hint: String?)
        /// The file has errors of its own; `first` is the first one, rendered.
        case invalidProject(first: String)
        case taskNotFound(name: String, suggestion: String?)
        case notAPipeline(task: String)
        case stepNotFound(task: String, step: String, suggestion: String?)
        case unsupportedLayout(String)

        public var description: String {
            switch self {
            case .invalidImage(let image, let message, _): "invalid image reference '\(image)': \(message)"
            case .invalidProject(let first): "the project file has errors; the first: \(first)"
            case .taskNotFound(let name, _): "there is no task named '\(name)'"
            case .notAPipeline(let task): "task '\(task)' is not a pipeline, so it has no steps"
            case .stepNotFound(let task, let step, _): "task '\(task)' has no step named '\(step)'"
            case .unsupportedLayout(let reason): reason
            }
        }

        public var hint: String? {
            switch self {
            case .invalidImage(_, _, let hint): hint ?? "an image reference looks like registry.example.com/team/name:tag"
            case .invalidProject: "run 'ame validate' and fix the file first"
            case .taskNotFound(_, let suggestion?), .stepNotFound(_, _, let suggestion?): "did you mean '\(suggestion)'?"
            case .taskNotFound: "list the tasks with 'ame tasks'"
            case .stepNotFound: "list the steps with 'ame tasks'"
            case .notAPipeline: "leave out the step to set the task's image"
            case .unsupportedLayout: "set 'image:' by hand"
            }
        }
    }

    public struct ImageEdit: Sendable, Equatable {
        /// The whole new file.
        public var source: String
        /// The image the task or step named itself before (not one it inherited).
        public var previous: String?
        /// Where the image now stands (1-based).
        public var location: SourceLocation
        /// False when the file already said exactly this (then `source` is unchanged).
        public var changed: Bool
    }

    /// The source with `image:` of task `task` (or of its pipeline step `step`) set to `image`.
    public func settingImage(task taskName: String, step stepName: String? = nil, image: String) throws(ImageEditError) -> ImageEdit {
        do {
            _ = try ImageReference(parsing: image)
        } catch {
            throw .invalidImage(image: image, message: error.message, hint: error.hint)
        }
        let before = ProjectFileDecoder(source: source).decode()
        guard let project = before.project, before.errors.isEmpty else {
            throw .invalidProject(first: before.errors.first.map(\.description) ?? "the file cannot be read")
        }
        guard let task = project.task(named: taskName) else {
            throw .taskNotFound(name: taskName, suggestion: Suggestion.closest(to: taskName, in: project.taskNames))
        }
        var previous = task.image
        if let stepName {
            guard let steps = task.pipeline else { throw .notAPipeline(task: taskName) }
            guard let step = steps.first(where: { $0.name == stepName }) else {
                throw .stepNotFound(task: taskName, step: stepName, suggestion: Suggestion.closest(to: stepName, in: steps.map(\.name)))
            }
            previous = step.image
        }

        // The project as it must read afterwards.
        var expected = project
        if let index = expected.tasks.firstIndex(where: { $0.name == taskName }) {
            if let stepName, let stepIndex = expected.tasks[index].pipeline?.firstIndex(where: { $0.name == stepName }) {
                expected.tasks[index].pipeline?[stepIndex].image = image
            } else {
                expected.tasks[index].image = image
            }
        }

        guard let root = try? Yams.compose(yaml: source), case .mapping(let rootMapping) = root,
              let tasksNode = rootMapping.first(where: { $0.key.string == "tasks" })?.value,
              case .mapping(let tasksMapping) = tasksNode,
              let (taskKey, taskBody) = tasksMapping.first(where: { $0.key.string == taskName }) else {
            throw .unsupportedLayout("the task '\(taskName)' cannot be found in the text of the file")
        }
        var ownerKey = taskKey
        var body = taskBody
        if let stepName {
            guard case .mapping(let taskFields) = taskBody,
                  let pipeline = taskFields.first(where: { $0.key.string == "pipeline" })?.value,
                  case .mapping(let steps) = pipeline,
                  let (stepKey, stepBody) = steps.first(where: { $0.key.string == stepName }) else {
                throw .unsupportedLayout("the step '\(stepName)' of task '\(taskName)' cannot be found in the text of the file")
            }
            ownerKey = stepKey
            body = stepBody
        }
        let owner = stepName.map { "step '\($0)' of task '\(taskName)'" } ?? "task '\(taskName)'"
        guard case .mapping(let fields) = body, let keyMark = ownerKey.mark, let bodyMark = body.mark,
              (bodyMark.line, bodyMark.column) > (keyMark.line, keyMark.column) else {
            // An alias (`*base`) points back at text that other tasks share.
            throw .unsupportedLayout("\(owner) is written in a form AME cannot edit (an alias or a merge)")
        }

        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let location: SourceLocation
        let isFlow = Self.character(at: bodyMark, in: lines) == "{"
        if let valueNode = fields.first(where: { $0.key.string == "image" })?.value {
            location = try Self.replaceScalar(valueNode, with: image, inFlow: isFlow, lines: &lines, owner: owner)
        } else if isFlow {
            location = try Self.appendToFlowMapping(at: bodyMark, entry: "image: \(Self.flowScalar(image))", lines: &lines, owner: owner)
        } else {
            guard let firstKey = fields.first?.key.mark else {
                throw .unsupportedLayout("\(owner) has no fields to line 'image:' up with")
            }
            let ownerIndent = keyMark.column - 1
            let fieldIndent = firstKey.column - 1
            // The mapping ends before the next line (not blank, not a comment) indented no
            // deeper than the task's own name.
            var insertAt = keyMark.line
            var index = keyMark.line
            while index < lines.count {
                let line = lines[index]
                let trimmed = line.drop { $0 == " " }
                if trimmed.isEmpty || trimmed.hasPrefix("#") {
                    index += 1
                    continue
                }
                let indent = line.count - trimmed.count
                if indent <= ownerIndent { break }
                insertAt = index + 1
                index += 1
            }
            lines.insert(String(repeating: " ", count: fieldIndent) + "image: \(Self.blockScalar(image))", at: insertAt)
            location = SourceLocation(line: insertAt + 1, column: fieldIndent + 8)
        }
        let updated = lines.joined(separator: "\n")

        let after = ProjectFileDecoder(source: updated).decode()
        guard let reread = after.project, after.errors.isEmpty,
              reread.projectName == expected.projectName, reread.tasks == expected.tasks,
              reread.recurringTasks == expected.recurringTasks else {
            throw .unsupportedLayout("setting 'image:' of \(owner) by a text edit did not give the expected file, so nothing was changed")
        }
        return ImageEdit(source: updated, previous: previous, location: location, changed: updated != source)
    }

    /// Replaces a one-line scalar where it stands, keeping its quoting style.
    static func replaceScalar(_ node: Node, with value: String, inFlow: Bool, lines: inout [String], owner: String) throws(ImageEditError) -> SourceLocation {
        guard case .scalar(let scalar) = node, let mark = node.mark, lines.indices.contains(mark.line - 1) else {
            throw .unsupportedLayout("the 'image' of \(owner) is not a single value")
        }
        var characters = Array(lines[mark.line - 1].unicodeScalars)
        let start = mark.column - 1
        guard characters.indices.contains(start) else {
            throw .unsupportedLayout("the 'image' of \(owner) cannot be found in the text of the file")
        }
        var end = start
        let replacement: String
        switch scalar.style {
        case .doubleQuoted, .singleQuoted:
            let quote = characters[start]
            end = start + 1
            while end < characters.count && characters[end] != quote { end += 1 }
            guard end < characters.count else {
                throw .unsupportedLayout("the 'image' of \(owner) spans several lines")
            }
            end += 1
            replacement = quote == "\"" ? YAMLScalar.doubleQuoted(value) : "'\(value)'"
        case .plain, .any:
            while end < characters.count && !" \t,}]".unicodeScalars.contains(characters[end]) { end += 1 }
            guard String(String.UnicodeScalarView(characters[start..<end])) == scalar.string else {
                throw .unsupportedLayout("the 'image' of \(owner) spans several lines")
            }
            replacement = inFlow ? flowScalar(value) : blockScalar(value)
        default:
            throw .unsupportedLayout("the 'image' of \(owner) is a block scalar ('|' or '>')")
        }
        characters.replaceSubrange(start..<end, with: replacement.unicodeScalars)
        lines[mark.line - 1] = String(String.UnicodeScalarView(characters))
        return SourceLocation(line: mark.line, column: mark.column)
    }

    /// Adds `entry` before the `}` that closes the flow mapping opened at `mark`.
    static func appendToFlowMapping(at mark: Mark, entry: String, lines: inout [String], owner: String) throws(ImageEditError) -> SourceLocation {
        var line = mark.line - 1
        var column = mark.column // just after the '{'
        var depth = 1
        var quote: Unicode.Scalar?
        var sawContent = false
        while lines.indices.contains(line) {
            let characters = Array(lines[line].unicodeScalars)
            while column < characters.count {
                let c = characters[column]
                if let open = quote {
                    if c == "\\" && open == "\"" { column += 1 } else if c == open { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                    sawContent = true
                } else if c == "#" && (column == 0 || characters[column - 1] == " " || characters[column - 1] == "\t") {
                    break // a comment runs to the end of the line
                } else if c == "{" || c == "[" {
                    depth += 1
                    sawContent = true
                } else if c == "}" || c == "]" {
                    depth -= 1
                    if depth == 0 {
                        // Insert after the last character of the mapping's content.
                        var insertAt = column
                        while insertAt > 0 && (characters[insertAt - 1] == " " || characters[insertAt - 1] == "\t") { insertAt -= 1 }
                        let text = sawContent ? ", \(entry)" : entry
                        var updated = characters
                        updated.insert(contentsOf: text.unicodeScalars, at: insertAt)
                        lines[line] = String(String.UnicodeScalarView(updated))
                        let offset = insertAt + (sawContent ? 2 : 0) + "image: ".count
                        return SourceLocation(line: line + 1, column: offset + 1)
                    }
                } else if c != " " && c != "\t" {
                    sawContent = true
                }
                column += 1
            }
            line += 1
            column = 0
        }
        throw .unsupportedLayout("the mapping of \(owner) has no closing '}'")
    }

    /// A scalar for a block mapping: references are written plain, as users write them
    /// (`ghcr.io/team/train:1`). libyaml reads ':' that is not followed by a space as part of a
    /// plain scalar, and a valid reference holds no space, '#' or leading indicator; one with a
    /// letter and a '/', ':' or '@' cannot be read as a number, a time or a boolean either.
    /// Anything else goes through the general rule.
    static func blockScalar(_ value: String) -> String {
        func isLetter(_ c: Character) -> Bool { c.isASCII && c.isLetter }
        func isAlphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        guard let first = value.first, isAlphanumeric(first), !first.isUppercase,
              value.allSatisfy({ isAlphanumeric($0) || "._-/:@+".contains($0) }),
              value.contains(where: isLetter),
              value.contains(where: { "/:@".contains($0) }) else {
            return YAMLScalar.render(value)
        }
        return value
    }

    /// A scalar safe inside `{…}`: plain text there may not hold ':' (libyaml reads it as a key).
    static func flowScalar(_ value: String) -> String {
        value.contains(":") ? YAMLScalar.doubleQuoted(value) : YAMLScalar.render(value)
    }
}
