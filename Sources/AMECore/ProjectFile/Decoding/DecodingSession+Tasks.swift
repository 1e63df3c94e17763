import Foundation
import Yams

/// Tasks, pipeline steps and their fields.
extension DecodingSession {
    static let taskKeys = [
        "runcommand", "pipeline", "secrets", "env", "resources", "artifacts", "image",
        "python", "dependencies", "installer", "retry", "timeout", "ports", "data", "nodes",
    ]
    static let stepKeys = taskKeys.filter { $0 != "pipeline" } + ["needs"]
    /// The most nodes one step may run on.
    static let maxNodes = 256

    func decodeTasks(_ node: Node, keyNode: Node) -> [TaskSpec] {
        if node.null != nil { return [] }
        guard let pairs = mapping(node, what: "'tasks'", hint: "write each task as NAME: followed by its runcommand or pipeline, indented") else {
            return []
        }
        var tasks: [TaskSpec] = []
        for (name, nameNode, body) in pairs {
            guard Names.isValidTaskName(name) else {
                error("task name '\(name)' may only contain letters, digits, '.', '_' and '-'", at: nameNode,
                      hint: "for example '\(Names.suggestedName(from: name))'")
                continue
            }
            if let task = decodeTask(name: name, nameNode: nameNode, body: body, pipelineName: nil) {
                tasks.append(task)
            }
        }
        return tasks
    }

    /// `pipelineName` is the task holding this step, or nil for a task.
    func decodeTask(name: String, nameNode: Node, body: Node, pipelineName: String?) -> TaskSpec? {
        let owner = pipelineName.map { "step '\(name)' of task '\($0)'" } ?? "task '\(name)'"
        let path = pipelineName.map { "tasks.\($0).pipeline.\(name)" } ?? "tasks.\(name)"
        locations[path] = location(of: nameNode)
        if case .scalar = body, body.null == nil {
            error("\(owner) must be a mapping, not \(describe(body))", at: body,
                  hint: "write the command on its own line: 'runcommand: \(body.string ?? "python train.py")'")
            return nil
        }
        guard let fields = mapping(body, what: owner, hint: "give it a 'runcommand' (or a 'pipeline' of steps)", keyNode: nameNode) else {
            return nil
        }
        var task = TaskSpec(name: name)
        let allowed = pipelineName == nil ? Self.taskKeys : Self.stepKeys
        // A misspelled 'runcommand' is reported once, as the typo, not also as missing.
        var misspelledCommand = false
        for (key, keyNode, value) in fields {
            locations["\(path).\(key)"] = location(of: value.null != nil ? keyNode : value)
            switch key {
            case "runcommand":
                if let command = optionalScalarString(value, what: "'runcommand' of \(owner)",
                                                      hint: "write the whole command as one line of text, e.g. 'runcommand: python train.py --epochs 3'") {
                    if command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        error("'runcommand' of \(owner) is empty", at: keyNode, hint: "write the command to run, e.g. 'runcommand: python train.py'")
                    } else {
                        task.runCommand = command
                    }
                }
            case "pipeline" where pipelineName == nil:
                task.pipeline = decodePipeline(value, keyNode: keyNode, taskName: name) ?? []
            case "pipeline":
                error("\(owner) holds a pipeline, but a pipeline step cannot hold another pipeline", at: keyNode,
                      hint: "move these steps into the pipeline of task '\(pipelineName ?? "")', or make a separate task")
            case "needs" where pipelineName != nil:
                task.needs = stringList(value, what: "'needs' of \(owner)", keyNode: keyNode)
            case "needs":
                error("'needs' only applies to pipeline steps, and \(owner) is not one", at: keyNode,
                      hint: "put 'needs' on the steps inside a 'pipeline'")
            case "secrets":
                task.secrets = decodeSecrets(value, owner: owner)
            case "env":
                task.env = decodeEnv(value, owner: owner)
            case "resources":
                task.resources = decodeResources(value, keyNode: keyNode, owner: owner)
            case "artifacts":
                task.artifacts = decodeArtifacts(value, keyNode: keyNode, owner: owner)
            case "image":
                task.image = decodeImage(value, keyNode: keyNode, owner: owner)
            case "python":
                task.python = decodePythonVersion(value, keyNode: keyNode, owner: owner)
            case "dependencies":
                task.dependencies = decodeDependencies(value, keyNode: keyNode, owner: owner)
            case "installer":
                task.installer = decodeInstaller(value, keyNode: keyNode, owner: owner)
            case "retry":
                task.retry = decodeRetry(value, keyNode: keyNode, owner: owner)
            case "timeout":
                task.timeout = decodeTimeout(value, keyNode: keyNode, owner: owner)
            case "ports":
                task.ports = decodePorts(value, owner: owner)
            case "data":
                task.data = decodeData(value, owner: owner)
            case "nodes":
                task.nodes = integer(value, what: "'nodes' of \(owner)", range: 1...Self.maxNodes,
                                     hint: "the number of nodes that run it together, such as 4 (each gets the task's resources)")
            default:
                let suggestion = unknownKey(key, keyNode: keyNode, in: "in \(owner)", allowed: allowed)
                if suggestion == "runcommand" || suggestion == "pipeline" { misspelledCommand = true }
            }
        }
        let keys = Set(fields.map(\.key))
        if !task.ports.isEmpty, let multi = task.effectiveSteps.first(where: { $0.nodeCount > 1 }),
           let nodesKey = fields.first(where: { $0.key == "nodes" })?.keyNode ?? fields.first(where: { $0.key == "ports" })?.keyNode {
            error("\(owner) has 'ports' and runs on \(multi.nodeCount) nodes, but a service runs on one node", at: nodesKey,
                  hint: "remove 'nodes' (or 'ports'): a multi-node step is a batch job")
        }
        if keys.contains("runcommand") && keys.contains("pipeline") && pipelineName == nil {
            error("\(owner) has both 'runcommand' and 'pipeline'", at: nameNode,
                  hint: "a task runs one command or a pipeline of steps: move the command into a step")
        } else if !keys.contains("runcommand") && !keys.contains("pipeline") && !misspelledCommand {
            error("\(owner) has no 'runcommand'", at: nameNode,
                  hint: pipelineName == nil ? "add 'runcommand: COMMAND', or a 'pipeline' of steps" : "add 'runcommand: COMMAND'")
        }
        return task
    }

    private func decodePipeline(_ node: Node, keyNode: Node, taskName: String) -> [TaskSpec]? {
        if case .sequence = node {
            error("the pipeline of task '\(taskName)' must be a mapping of step names to steps, not a list", at: node,
                  hint: "write each step as 'STEP_NAME:' with its runcommand indented under it")
            return nil
        }
        guard let pairs = mapping(node, what: "the pipeline of task '\(taskName)'", hint: "add steps as 'STEP_NAME:' with a runcommand under each", keyNode: keyNode) else {
            return nil
        }
        if pairs.isEmpty {
            error("the pipeline of task '\(taskName)' has no steps", at: keyNode, hint: "add steps as 'STEP_NAME:' with a runcommand under each")
        }
        var steps: [TaskSpec] = []
        for (name, nameNode, body) in pairs {
            guard Names.isValidTaskName(name) else {
                error("step name '\(name)' may only contain letters, digits, '.', '_' and '-'", at: nameNode,
                      hint: "for example '\(Names.suggestedName(from: name))'")
                continue
            }
            if let step = decodeTask(name: name, nameNode: nameNode, body: body, pipelineName: taskName) {
                steps.append(step)
            }
        }
        return steps
    }

    // MARK: Secrets and env

    private func decodeSecrets(_ node: Node, owner: String) -> [SecretRef] {
        let entries: [Node]
        switch node {
        case .mapping: entries = [node]
        case .sequence(let sequence): entries = Array(sequence)
        case .scalar:
            if node.null != nil { return [] }
            error("'secrets' of \(owner) must be a {name, envkey} mapping or a list of them, not \(describe(node))", at: node,
                  hint: "write 'name: SECRET_NAME' and 'envkey: ENV_VAR' under 'secrets:'")
            return []
        }
        var result: [SecretRef] = []
        for entry in entries {
            guard let fields = mapping(entry, what: "a secret of \(owner)", hint: "each secret has 'name' and 'envkey'") else { continue }
            var name: String?
            var envKey: String?
            for (key, keyNode, value) in fields {
                switch key {
                case "name":
                    name = scalarString(value, what: "the secret 'name' in \(owner)", keyNode: keyNode)
                    if let secretName = name, !Names.isValidSecretName(secretName) {
                        error("secret name '\(secretName)' may only contain letters, digits, '.', '_' and '-'", at: value)
                        name = nil
                    }
                case "envkey":
                    envKey = scalarString(value, what: "the secret 'envkey' in \(owner)", keyNode: keyNode)
                    if let key = envKey, !EnvVar.isValidKey(key) {
                        error("'\(key)' is not a valid environment variable name", at: value,
                              hint: "use letters, digits and '_', not starting with a digit, e.g. \(Self.envKeySuggestion(key))")
                        envKey = nil
                    }
                default:
                    unknownKey(key, keyNode: keyNode, in: "in a secret of \(owner)", allowed: ["name", "envkey"])
                }
            }
            let keys = Set(fields.map(\.key))
            if !keys.contains("name") {
                error("a secret of \(owner) has no 'name'", at: entry, hint: "add 'name: SECRET_NAME', the name given to 'ame secret set'")
            }
            // Without an envkey the secret is exposed under its own name, which keeps
            // short examples (and the reference README's elided one) working.
            if !keys.contains("envkey"), let name {
                if EnvVar.isValidKey(name) {
                    envKey = name
                } else {
                    error("a secret of \(owner) has no 'envkey', and its name '\(name)' is not a valid variable name", at: entry,
                          hint: "add 'envkey: \(Self.envKeySuggestion(name))', the variable the task reads it from")
                }
            }
            if let name, let envKey {
                if result.contains(where: { $0.envKey == envKey }) {
                    error("\(owner) sets the environment variable '\(envKey)' from two secrets", at: entry, hint: "give each secret its own envkey")
                } else {
                    result.append(SecretRef(name: name, envKey: envKey))
                }
            }
        }
        return result
    }

    static func envKeySuggestion(_ key: String) -> String {
        var mapped = String(key.map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? Character($0.uppercased()) : "_" })
        if let first = mapped.first, first.isNumber { mapped = "_" + mapped }
        return mapped.isEmpty ? "MY_VAR" : mapped
    }

    private func decodeEnv(_ node: Node, owner: String) -> [EnvVar] {
        var result: [EnvVar] = []
        func add(_ key: String, _ value: String, at keyNode: Node) {
            guard EnvVar.isValidKey(key) else {
                error("'\(key)' is not a valid environment variable name", at: keyNode,
                      hint: "use letters, digits and '_', not starting with a digit, e.g. \(Self.envKeySuggestion(key))")
                return
            }
            if result.contains(where: { $0.key == key }) {
                error("\(owner) sets the environment variable '\(key)' twice", at: keyNode, hint: "keep one of them")
                return
            }
            result.append(EnvVar(key: key, value: value))
        }
        switch node {
        case .scalar:
            if node.null != nil { return [] }
            error("'env' of \(owner) must be a mapping (KEY: value, or envkey/value) or a list, not \(describe(node))", at: node,
                  hint: "write 'envkey: NAME' and 'value: VALUE', or 'NAME: VALUE', under 'env:'")
        case .mapping:
            guard let pairs = mapping(node, what: "'env' of \(owner)") else { return [] }
            if Self.isEnvEntry(pairs) {
                if let entry = decodeEnvEntry(node, pairs: pairs, owner: owner) { add(entry.0, entry.1, at: entry.2) }
            } else {
                for (key, keyNode, value) in pairs {
                    if let text = envValue(value, key: key, keyNode: keyNode, owner: owner) { add(key, text, at: keyNode) }
                }
            }
        case .sequence(let sequence):
            for item in sequence {
                guard let pairs = mapping(item, what: "an entry of 'env' in \(owner)", hint: "write '- envkey: NAME' with 'value: VALUE' under it") else { continue }
                if Self.isEnvEntry(pairs) {
                    if let entry = decodeEnvEntry(item, pairs: pairs, owner: owner) { add(entry.0, entry.1, at: entry.2) }
                } else {
                    for (key, keyNode, value) in pairs {
                        if let text = envValue(value, key: key, keyNode: keyNode, owner: owner) { add(key, text, at: keyNode) }
                    }
                }
            }
        }
        return result
    }

    /// `{envkey, value}` (or the older `{name, value}`) rather than a `KEY: value` map.
    private static func isEnvEntry(_ pairs: [Pair]) -> Bool {
        let keys = Set(pairs.map(\.key))
        if keys.contains("envkey") { return true }
        return keys.contains("value") && keys.isSubset(of: ["name", "value"])
    }

    private func decodeEnvEntry(_ node: Node, pairs: [Pair], owner: String) -> (String, String, Node)? {
        var key: (String, Node)?
        var value: String?
        var valid = true
        for (field, fieldKey, fieldValue) in pairs {
            switch field {
            case "envkey", "name":
                if key != nil {
                    error("an env entry of \(owner) has both 'envkey' and 'name'", at: fieldKey, hint: "'name' is the older spelling of 'envkey': keep one")
                    valid = false
                } else if let text = scalarString(fieldValue, what: "'\(field)' of an env entry in \(owner)", keyNode: fieldKey) {
                    key = (text, fieldValue)
                }
            case "value":
                value = envValue(fieldValue, key: key?.0 ?? "value", keyNode: fieldKey, owner: owner)
            default:
                unknownKey(field, keyNode: fieldKey, in: "in an env entry of \(owner)", allowed: ["envkey", "value"])
                valid = false
            }
        }
        guard valid else { return nil }
        guard let key else {
            error("an env entry of \(owner) has no 'envkey'", at: node, hint: "add 'envkey: NAME'")
            return nil
        }
        guard let value else {
            if !pairs.contains(where: { $0.key == "value" }) {
                error("env '\(key.0)' of \(owner) has no 'value'", at: node, hint: "add 'value: VALUE'")
            }
            return nil
        }
        return (key.0, value, key.1)
    }

    private func envValue(_ node: Node, key: String, keyNode: Node, owner: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("the value of env '\(key)' in \(owner) must be text, not \(describe(node))", at: node,
                  hint: "quote it if it is meant literally")
            return nil
        }
        if node.null != nil && scalar.style == .plain {
            error("env '\(key)' of \(owner) has no value", at: keyNode, hint: "write \(key): \"\" for an empty value")
            return nil
        }
        return scalar.string
    }
}
