import AMECore

/// Turns `create task` flag values into model values, with errors that name the flag.
enum TaskFlagParsing {
    static func quantity(_ text: String?, flag: String, isBytes: Bool) throws -> Quantity? {
        guard let text else { return nil }
        do {
            return try QuantityField.parse(text, isBytes: isBytes)
        } catch {
            throw CLIError("\(flag) \(error.message)", hint: error.hint, exitCode: 2)
        }
    }

    static func env(_ assignments: [String]) throws -> [EnvVar] {
        var result: [EnvVar] = []
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw CLIError("--env '\(assignment)' has no '='", hint: "write --env KEY=VALUE", exitCode: 2)
            }
            let key = String(assignment[..<equals])
            guard EnvVar.isValidKey(key) else {
                throw CLIError("--env '\(key)' is not a valid environment variable name",
                               hint: "use letters, digits and '_', not starting with a digit", exitCode: 2)
            }
            result.removeAll { $0.key == key }
            result.append(EnvVar(key: key, value: String(assignment[assignment.index(after: equals)...])))
        }
        return result
    }

    /// `NAME` or `NAME:ENVKEY`.
    static func secrets(_ specs: [String]) throws -> [SecretRef] {
        var result: [SecretRef] = []
        for spec in specs {
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            let name = parts.first ?? ""
            let envKey = parts.count > 1 ? parts[1] : name
            guard Names.isValidSecretName(name) else {
                throw CLIError("--secret '\(name)' is not a valid secret name", hint: "use letters, digits, '.', '_' and '-'", exitCode: 2)
            }
            guard EnvVar.isValidKey(envKey) else {
                throw CLIError("--secret '\(spec)': '\(envKey)' is not a valid environment variable name",
                               hint: "write --secret NAME:ENVKEY, e.g. --secret \(name):\(envKey.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined())",
                               exitCode: 2)
            }
            result.append(SecretRef(name: name, envKey: envKey))
        }
        return result
    }

    /// `NAME=COMMAND`.
    static func steps(_ specs: [String]) throws -> [TaskSpec] {
        var steps: [TaskSpec] = []
        for spec in specs {
            guard let equals = spec.firstIndex(of: "=") else {
                throw CLIError("--step '\(spec)' has no '='", hint: "write --step NAME='COMMAND', e.g. --step train='python train.py'", exitCode: 2)
            }
            let name = String(spec[..<equals])
            let command = String(spec[spec.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            guard Names.isValidTaskName(name) else {
                throw CLIError("--step '\(name)' is not a valid step name", hint: "use letters, digits, '.', '_' and '-'", exitCode: 2)
            }
            guard !command.isEmpty else {
                throw CLIError("--step '\(name)' has an empty command", hint: "write --step \(name)='COMMAND'", exitCode: 2)
            }
            guard !steps.contains(where: { $0.name == name }) else {
                throw CLIError("--step '\(name)' is given twice", hint: "give each step its own name", exitCode: 2)
            }
            steps.append(TaskSpec(name: name, runCommand: command))
        }
        return steps
    }
}
