import AMECore
import Foundation
import Yams

/// The engine's settings: the capacity it may use and the limits an admin sets.
///
/// Read from `engine.yaml` (`$AME_ENGINE_CONFIG`, else `$XDG_CONFIG_HOME/ame/engine.yaml`
/// for the embedded engine, or `--config` of `ame-server`):
/// ```yaml
/// capacity: {cpu: 4, memory: 8Gi, gpus: 1}    # at most this much at once (default: the machine)
/// limits:                                     # per run, and per user (server)
///   max_cpu: 8
///   max_memory: 32Gi
///   max_gpus: 1
///   max_concurrent_runs: 4
///   max_queued_runs: 500                      # per user, waiting or running
///   default_memory: 4Gi                       # for a step that asks for none
///   default_storage: 50Gi                     # likewise
///   max_processes: 1024                       # processes and threads of one sandboxed step
/// sandbox: on                                 # embedded engine: run steps in the sandbox too
/// retention: {runs: 90d}                      # remove finished runs' logs and workspaces after this
/// ```
public struct EngineConfiguration: Sendable {
    public var capacity: Capacity
    public var maxCPUMillisPerRun: Int64?
    public var maxMemoryPerRun: Int64?
    public var maxGPUsPerRun: Int?
    public var maxConcurrentRunsPerUser: Int?
    /// Runs one user may have queued or running at once; more are refused at submit.
    public var maxQueuedRunsPerUser: Int?
    /// The memory and storage of a step that asks for none.
    public var defaultMemoryPerRun: Int64?
    public var defaultStoragePerRun: Int64?
    /// RLIMIT_NPROC of each sandboxed command: its processes and threads together.
    public var maxProcessesPerRun = 1024
    /// `sandbox: on` in engine.yaml: the embedded engine runs steps in the sandbox too
    /// (`ame-server` always does, unless started with `--unsafe-no-sandbox`).
    public var sandbox = false
    /// Link blob files bigger than this into workspaces instead of copying them.
    public var linkFilesLargerThan: Int64 = 4 * 1_048_576
    /// `retention: {runs: 90d}`: seconds after which a finished run's log and workspace are
    /// removed (its record, status and artifacts stay). Nil keeps them forever.
    public var runRetentionSeconds: Int?

    public init(capacity: Capacity) {
        self.capacity = capacity
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var diagnostics: [Diagnostic]
        public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    }

    /// `defaultCapacity` replaces this machine's when the file sets none (a server whose
    /// steps run in a cluster is not limited by its own machine).
    public static func load(path: URL?, environment: [String: String], defaultCapacity: Capacity? = nil) throws -> EngineConfiguration {
        var configuration = EngineConfiguration(capacity: defaultCapacity ?? .detect(environment: environment))
        guard let path, FileManager.default.fileExists(atPath: path.path) else { return configuration }
        let text = (try? String(contentsOf: path, encoding: .utf8)) ?? ""
        let file = path.path
        var problems: [Diagnostic] = []
        func problem(_ message: String, _ node: Node?, hint: String? = nil) {
            let mark = node?.mark
            problems.append(Diagnostic(file: file, location: SourceLocation(line: mark?.line ?? 1, column: mark?.column ?? 1), message: message, hint: hint))
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw LoadError(diagnostics: [Diagnostic(file: file, location: .start, message: "not valid YAML: \(error)")])
        }
        guard let root, case .mapping(let top) = root else { return configuration }
        func quantity(_ node: Node, bytes: Bool, field: String) -> Quantity? {
            guard let text = node.string else { problem("'\(field)' must be a quantity", node); return nil }
            do throws(QuantityField.Problem) {
                return try QuantityField.parse(text, isBytes: bytes)
            } catch {
                problem("'\(field)' \(error.message)", node, hint: error.hint)
                return nil
            }
        }
        func integer(_ node: Node, field: String) -> Int? {
            guard let value = node.int, value >= 0 else { problem("'\(field)' must be a whole number", node); return nil }
            return value
        }
        for (keyNode, value) in top {
            switch keyNode.string {
            case "capacity":
                guard case .mapping(let fields) = value else { problem("'capacity' must be a mapping", value); continue }
                for (fieldKey, fieldValue) in fields {
                    switch fieldKey.string {
                    case "cpu": if let q = quantity(fieldValue, bytes: false, field: "capacity.cpu") { configuration.capacity.cpuMillis = q.millis }
                    case "memory": if let q = quantity(fieldValue, bytes: true, field: "capacity.memory") { configuration.capacity.memoryBytes = q.wholeUnits }
                    case "gpus":
                        if let count = integer(fieldValue, field: "capacity.gpus") {
                            configuration.capacity.gpus = Array(configuration.capacity.gpus.prefix(count))
                        }
                    default: problem("unknown key '\(fieldKey.string ?? "")' in 'capacity'", fieldKey, hint: "allowed keys: cpu, memory, gpus")
                    }
                }
            case "limits":
                guard case .mapping(let fields) = value else { problem("'limits' must be a mapping", value); continue }
                for (fieldKey, fieldValue) in fields {
                    switch fieldKey.string {
                    case "max_cpu": configuration.maxCPUMillisPerRun = quantity(fieldValue, bytes: false, field: "limits.max_cpu")?.millis
                    case "max_memory": configuration.maxMemoryPerRun = quantity(fieldValue, bytes: true, field: "limits.max_memory")?.wholeUnits
                    case "max_gpus": configuration.maxGPUsPerRun = integer(fieldValue, field: "limits.max_gpus")
                    case "max_concurrent_runs": configuration.maxConcurrentRunsPerUser = integer(fieldValue, field: "limits.max_concurrent_runs")
                    case "max_queued_runs": configuration.maxQueuedRunsPerUser = integer(fieldValue, field: "limits.max_queued_runs")
                    case "default_memory": configuration.defaultMemoryPerRun = quantity(fieldValue, bytes: true, field: "limits.default_memory")?.wholeUnits
                    case "default_storage": configuration.defaultStoragePerRun = quantity(fieldValue, bytes: true, field: "limits.default_storage")?.wholeUnits
                    case "max_processes":
                        if let count = integer(fieldValue, field: "limits.max_processes") {
                            if count < 16 {
                                problem("'limits.max_processes' must be at least 16", fieldValue, hint: "it counts threads too: a Python step alone starts several")
                            } else {
                                configuration.maxProcessesPerRun = count
                            }
                        }
                    default: problem("unknown key '\(fieldKey.string ?? "")' in 'limits'", fieldKey,
                                     hint: "allowed keys: max_cpu, max_memory, max_gpus, max_concurrent_runs, max_queued_runs, default_memory, default_storage, max_processes")
                    }
                }
            case "sandbox":
                switch value.string?.lowercased() {
                case "on", "true", "yes": configuration.sandbox = true
                case "off", "false", "no": configuration.sandbox = false
                default: problem("'sandbox' must be on or off", value)
                }
            case "retention":
                guard case .mapping(let fields) = value else { problem("'retention' must be a mapping", value, hint: "for example 'retention: {runs: 90d}'"); continue }
                for (fieldKey, fieldValue) in fields {
                    switch fieldKey.string {
                    case "runs":
                        if let seconds = fieldValue.string.flatMap(DurationText.seconds(parsing:)), seconds > 0 {
                            configuration.runRetentionSeconds = seconds
                        } else {
                            problem("'retention.runs' must be a duration such as 90d", fieldValue, hint: "finished runs' logs and workspaces are removed after it; their records stay")
                        }
                    default: problem("unknown key '\(fieldKey.string ?? "")' in 'retention'", fieldKey, hint: "allowed keys: runs")
                    }
                }
            case "link_files_larger_than":
                if let q = quantity(value, bytes: true, field: "link_files_larger_than") { configuration.linkFilesLargerThan = q.wholeUnits }
            default:
                problem("unknown key '\(keyNode.string ?? "")'", keyNode, hint: "allowed keys: capacity, limits, sandbox, retention, link_files_larger_than")
            }
        }
        if !problems.isEmpty { throw LoadError(diagnostics: problems) }
        return configuration
    }

    /// What a shared server sets where its config is silent: a memory default for steps that
    /// ask for none (4Gi, or less where `max_memory` or the capacity is lower) and a cap of
    /// 500 queued runs per user.
    public mutating func applyServerDefaults() {
        if defaultMemoryPerRun == nil {
            defaultMemoryPerRun = [4 * 1_073_741_824, maxMemoryPerRun ?? .max, capacity.memoryBytes].min()
        }
        if maxQueuedRunsPerUser == nil { maxQueuedRunsPerUser = 500 }
    }

    /// `$AME_ENGINE_CONFIG`, else `$XDG_CONFIG_HOME/ame/engine.yaml`.
    public static func defaultPath(environment: [String: String]) -> URL {
        if let explicit = environment["AME_ENGINE_CONFIG"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return URL(fileURLWithPath: configHome).appendingPathComponent("ame/engine.yaml")
    }
}
