import AMECore

/// The questions `ame create task` asks on a terminal. Every answer is checked as it is
/// given, so the task it produces is valid.
struct TaskWizard {
    let prompter: Prompter
    let existingNames: Set<String>

    func taskName() throws -> String {
        try prompter.ask("Task name", default: existingNames.contains("train") ? nil : "train") { answer in
            if !Names.isValidTaskName(answer) { return "use letters, digits, '.', '_' and '-'" }
            if existingNames.contains(answer) { return "a task named '\(answer)' already exists" }
            return nil
        }
    }

    func build(name: String, seed: TaskSpec) throws -> TaskSpec {
        var task = seed
        task.name = name
        let kind = try prompter.choose("Kind of task", options: ["single command", "pipeline of steps"])
        if kind.hasPrefix("pipeline") {
            task.runCommand = nil
            task.pipeline = try steps()
        } else {
            task.runCommand = try prompter.ask("Command to run", default: seed.runCommand) { answer in
                answer.isEmpty ? "the command cannot be empty" : nil
            }
        }
        task.resources = try resources(for: "the task", current: seed.resources)
        task.env = try environment(current: seed.env)
        task.secrets = try secrets(current: seed.secrets)
        return task
    }

    private func steps() throws -> [TaskSpec] {
        var steps: [TaskSpec] = []
        while true {
            let number = steps.count + 1
            let name = try prompter.ask("Step \(number) name" + (steps.isEmpty ? "" : " (empty to finish)"), default: steps.isEmpty ? "step1" : "") { answer in
                if answer.isEmpty { return steps.isEmpty ? "a pipeline needs at least one step" : nil }
                if !Names.isValidTaskName(answer) { return "use letters, digits, '.', '_' and '-'" }
                if steps.contains(where: { $0.name == answer }) { return "step '\(answer)' already exists" }
                return nil
            }
            if name.isEmpty { return steps }
            let command = try prompter.ask("Command for step '\(name)'") { $0.isEmpty ? "the command cannot be empty" : nil }
            var step = TaskSpec(name: name, runCommand: command)
            step.resources = try resources(for: "step '\(name)'", current: Resources())
            steps.append(step)
        }
    }

    private func quantity(_ question: String, current: Quantity?, isBytes: Bool) throws -> Quantity? {
        let answer = try prompter.ask(question, default: current?.text ?? "") { answer in
            guard !answer.isEmpty else { return nil }
            do throws(QuantityField.Problem) {
                _ = try QuantityField.parse(answer, isBytes: isBytes)
                return nil
            } catch {
                return "this " + error.message + (error.hint.map { " (\($0))" } ?? "")
            }
        }
        return answer.isEmpty ? nil : try? QuantityField.parse(answer, isBytes: isBytes)
    }

    private func resources(for owner: String, current: Resources) throws -> Resources {
        var resources = current
        resources.cpu = try quantity("CPUs for \(owner) (e.g. 2 or 500m, empty for default)", current: current.cpu, isBytes: false)
        resources.memory = try quantity("Memory for \(owner) (e.g. 8Gi, empty for default)", current: current.memory, isBytes: true)
        let gpus = try prompter.ask("GPUs for \(owner) (empty for none)", default: current.gpus.map(String.init) ?? "") { answer in
            answer.isEmpty || (Int(answer).map { (0...1024).contains($0) } ?? false) ? nil : "write a whole number of GPUs"
        }
        resources.gpus = Int(gpus).flatMap { $0 > 0 ? $0 : nil }
        return resources
    }

    private func environment(current: [EnvVar]) throws -> [EnvVar] {
        var variables = current
        while true {
            let answer = try prompter.ask("Environment variable KEY=VALUE (empty to finish)", default: "") { answer in
                if answer.isEmpty { return nil }
                do { _ = try TaskFlagParsing.env([answer]); return nil } catch let error as CLIError {
                    return error.message.replacingOccurrences(of: "--env ", with: "")
                } catch { return "write KEY=VALUE" }
            }
            if answer.isEmpty { return variables }
            for variable in (try? TaskFlagParsing.env([answer])) ?? [] {
                variables.removeAll { $0.key == variable.key }
                variables.append(variable)
            }
        }
    }

    private func secrets(current: [SecretRef]) throws -> [SecretRef] {
        var secrets = current
        while true {
            let answer = try prompter.ask("Secret NAME or NAME:ENVKEY (empty to finish)", default: "") { answer in
                if answer.isEmpty { return nil }
                do { _ = try TaskFlagParsing.secrets([answer]); return nil } catch let error as CLIError {
                    return error.message.replacingOccurrences(of: "--secret ", with: "")
                } catch { return "write NAME or NAME:ENVKEY" }
            }
            if answer.isEmpty { return secrets }
            secrets += (try? TaskFlagParsing.secrets([answer])) ?? []
        }
    }
}
