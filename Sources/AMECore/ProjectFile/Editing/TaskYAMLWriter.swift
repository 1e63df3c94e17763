/// Renders a `TaskSpec` as block-style YAML lines, in the forms docs/ame-yaml.md teaches.
public struct TaskYAMLWriter: Sendable {
    /// Spaces per nesting level.
    public var indentStep: Int

    public init(indentStep: Int = 2) {
        self.indentStep = max(1, indentStep)
    }

    /// `name:` at `indent`, its body below it.
    public func lines(for task: TaskSpec, indent: Int) -> [String] {
        var lines = ["\(pad(indent))\(YAMLScalar.render(task.name)):"]
        lines += body(of: task, indent: indent + indentStep)
        return lines
    }

    private func pad(_ count: Int) -> String { String(repeating: " ", count: count) }

    private func body(of task: TaskSpec, indent: Int) -> [String] {
        let p = pad(indent)
        let inner = pad(indent + indentStep)
        var lines: [String] = []
        if let command = task.runCommand {
            lines.append("\(p)runcommand: \(YAMLScalar.render(command))")
        }
        if let needs = task.needs {
            lines.append("\(p)needs: [\(needs.map(YAMLScalar.render).joined(separator: ", "))]")
        }
        if !task.resources.isEmpty {
            lines.append("\(p)resources:")
            if let cpu = task.resources.cpu { lines.append("\(inner)cpu: \(YAMLScalar.renderQuantity(cpu.text))") }
            if let memory = task.resources.memory { lines.append("\(inner)memory: \(YAMLScalar.renderQuantity(memory.text))") }
            if let storage = task.resources.storage { lines.append("\(inner)storage: \(YAMLScalar.renderQuantity(storage.text))") }
            if let gpus = task.resources.gpus { lines.append("\(inner)gpus: \(gpus)") }
            if let vram = task.resources.vram { lines.append("\(inner)vram: \(YAMLScalar.renderQuantity(vram.text))") }
        }
        if !task.env.isEmpty {
            lines.append("\(p)env:")
            for variable in task.env {
                lines.append("\(inner)\(variable.key): \(YAMLScalar.render(variable.value))")
            }
        }
        if !task.secrets.isEmpty {
            lines.append("\(p)secrets:")
            for secret in task.secrets {
                lines.append("\(inner)- name: \(YAMLScalar.render(secret.name))")
                lines.append("\(inner)  envkey: \(YAMLScalar.render(secret.envKey))")
            }
        }
        if let image = task.image { lines.append("\(p)image: \(YAMLScalar.render(image))") }
        if let python = task.python { lines.append("\(p)python: \(YAMLScalar.doubleQuoted(python))") }
        if let dependencies = task.dependencies { lines.append("\(p)dependencies: \(dependencies.rawValue)") }
        if let installer = task.installer { lines.append("\(p)installer: \(installer.rawValue)") }
        if let timeout = task.timeout { lines.append("\(p)timeout: \(DurationText.format(seconds: timeout))") }
        if let artifacts = task.artifacts, !artifacts.paths.isEmpty {
            lines.append("\(p)artifacts: [\(artifacts.paths.map(YAMLScalar.render).joined(separator: ", "))]")
        }
        if let pipeline = task.pipeline {
            lines.append("\(p)pipeline:")
            for step in pipeline {
                lines += self.lines(for: step, indent: indent + indentStep)
            }
        }
        return lines
    }
}
