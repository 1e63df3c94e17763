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
/// ```
public struct EngineConfiguration: Sendable {
    public var capacity: Capacity
    public var maxCPUMillisPerRun: Int64?
    public var maxMemoryPerRun: Int64?
    public var maxGPUsPerRun: Int?
    public var maxConcurrentRunsPerUser: Int?
    /// Link blob files bigger than this into workspaces instead of copying them.
    public var linkFilesLargerThan: Int64 = 4 * 1_048_576

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
                    default: problem("unknown key '\(fieldKey.string ?? "")' in 'limits'", fieldKey,
                                     hint: "allowed keys: max_cpu, max_memory, max_gpus, max_concurrent_runs")
                    }
                }
            case "link_files_larger_than":
                if let q = quantity(value, bytes: true, field: "link_files_larger_than") { configuration.linkFilesLargerThan = q.wholeUnits }
            default:
                problem("unknown key '\(keyNode.string ?? "")'", keyNode, hint: "allowed keys: capacity, limits, link_files_larger_than")
            }
        }
        if !problems.isEmpty { throw LoadError(diagnostics: problems) }
        return configuration
    }

    /// `$AME_ENGINE_CONFIG`, else `$XDG_CONFIG_HOME/ame/engine.yaml`.
    public static func defaultPath(environment: [String: String]) -> URL {
        if let explicit = environment["AME_ENGINE_CONFIG"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return URL(fileURLWithPath: configHome).appendingPathComponent("ame/engine.yaml")
    }
}
