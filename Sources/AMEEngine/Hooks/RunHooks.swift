import AMECore
import Foundation

/// The hooks of one project (every `.ame/hooks/*.json` of its manifest, in name order),
/// and how they change a step's environment and command.
public struct RunHooks: Hashable, Sendable {
    /// Where hook files live in a project.
    public static let directory = ".ame/hooks/"
    /// The fields a hook file may have.
    static let fields = ["description", "env", "wrap"]

    public var hooks: [RunHook]

    public init(hooks: [RunHook] = []) {
        self.hooks = hooks
    }

    public var isEmpty: Bool { hooks.isEmpty }

    /// Reads and checks the hook files of `manifest` (their contents come from `read`).
    /// A broken hook file is an error naming the file and the field, with a hint.
    public static func load(_ manifest: Manifest, read: (Digest) throws -> Data) throws -> RunHooks {
        var hooks: [RunHook] = []
        for entry in manifest.entries where entry.kind == .file && isHookFile(entry.path) {
            guard let digest = entry.digest else { continue }
            hooks.append(try parse(try read(digest), path: entry.path))
        }
        return RunHooks(hooks: hooks)
    }

    /// `.ame/hooks/NAME.json`, directly in that folder.
    static func isHookFile(_ path: String) -> Bool {
        guard path.hasPrefix(directory), path.hasSuffix(".json") else { return false }
        let name = path.dropFirst(directory.count)
        return !name.contains("/") && !name.hasPrefix(".") && name.count > ".json".count
    }

    public static func parse(_ data: Data, path: String) throws -> RunHook {
        let name = String(path.split(separator: "/").last?.dropLast(".json".count) ?? "")
        // invalidRequest, not invalidProject: the CLI renders invalidProject as ame.yaml
        // diagnostics only, and a hook file has none, so the message would be lost.
        func problem(_ message: String, hint: String) -> APIError {
            APIError(.invalidRequest, "\(path): \(message)", hint: hint)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw problem("is not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error))",
                          hint: "fix the file, or remove it (the plugin that wrote it can: 'ame \(name) disable')")
        }
        guard let fields = object as? [String: Any] else {
            throw problem("must be a JSON object", hint: #"write {"env": {"KEY": "value"}, "wrap": ["program", "argument"]}"#)
        }
        for key in fields.keys.sorted() where !Self.fields.contains(key) {
            let suggestion = Suggestion.closest(to: key, in: Self.fields).map { "did you mean '\($0)'? " } ?? ""
            throw problem("unknown field '\(key)'", hint: "\(suggestion)a hook has the fields \(Self.fields.joined(separator: ", "))")
        }
        var hook = RunHook(name: name, path: path)
        if let env = fields["env"] {
            guard let map = env as? [String: Any] else {
                throw problem("'env' must be an object of names and string values", hint: #"write "env": {"KEY": "value"}"#)
            }
            for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                guard EnvVar.isValidKey(key) else {
                    throw problem("'env.\(key)' is not a valid environment variable name",
                                  hint: "use letters, digits and underscores, not starting with a digit")
                }
                guard !key.hasPrefix("AME_") else {
                    throw problem("'env.\(key)': variables starting with AME_ are AME's own",
                                  hint: "choose another name")
                }
                guard let text = value as? String else {
                    throw problem("'env.\(key)' must be a string", hint: #"quote the value: "\#(key)": "…""#)
                }
                hook.env[key] = text
            }
        }
        if let wrap = fields["wrap"] {
            guard let words = wrap as? [Any], let strings = words as? [String], !strings.isEmpty,
                  strings.allSatisfy({ !$0.isEmpty }) else {
                throw problem("'wrap' must be a non-empty list of non-empty strings (a program and its arguments)",
                              hint: #"write "wrap": ["python3", ".ame/hooks/wrapper.py"]"#)
            }
            hook.wrap = strings
        }
        return hook
    }

    /// Every hook's variables, later files winning over earlier ones.
    public var environment: [String: String] {
        hooks.reduce(into: [:]) { result, hook in result.merge(hook.env) { _, new in new } }
    }

    public var wraps: Bool { hooks.contains { !$0.wrap.isEmpty } }

    /// `command` run inside every hook's wrapper, the first hook outermost, as one shell
    /// command line for the executor's `/bin/sh -c`.
    public func wrapping(_ command: String) -> String {
        var argv = ["/bin/sh", "-c", command]
        for hook in hooks.reversed() where !hook.wrap.isEmpty {
            argv = hook.wrap + argv
        }
        guard wraps else { return command }
        return "exec " + argv.map(Self.shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

extension RunHooks {
    /// What a wrapper is told about the step it runs, beyond AME's usual variables:
    /// the step's own command, the attempt number, the names of the task's `env`
    /// variables (never secrets), and the resources asked for, as JSON.
    /// `pipelineSteps`: every step of the step's pipeline, in order (nil for a plain task);
    /// a wrapper that records whole runs (MLflow's parent run) needs to know when all ended.
    public static func wrapperEnvironment(command: String, attempt: Int, step: TaskSpec, resources: Resources,
                                          pipelineSteps: [String]? = nil) -> [String: String] {
        var described: [String: String] = [:]
        if let cpu = resources.cpu { described["cpu"] = cpu.text }
        if let memory = resources.memory { described["memory"] = memory.text }
        if let storage = resources.storage { described["storage"] = storage.text }
        if let gpus = resources.gpus { described["gpus"] = String(gpus) }
        if let vram = resources.vram { described["vram"] = vram.text }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(described)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var environment = [
            "AME_COMMAND": command,
            "AME_ATTEMPT": String(attempt),
            "AME_ENV_KEYS": step.env.map(\.key).joined(separator: ","),
            "AME_RESOURCES": json,
        ]
        if let pipelineSteps { environment["AME_PIPELINE_STEPS"] = pipelineSteps.joined(separator: ",") }
        return environment
    }
}
