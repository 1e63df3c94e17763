import Foundation
import Yams

/// The servers saved in `$XDG_CONFIG_HOME/ame/config.yaml`, read for completion only: a
/// file that is missing, unreadable or shaped differently gives no names, never an error.
///
/// Understood shapes: `servers:` as a mapping from name to settings, or as a list of
/// entries with a `name:`; `current:` names the server in use.
public struct ServerNames: Sendable, Equatable {
    public var names: [String]
    public var current: String?
    /// The URL of the server in use, when the file gives one.
    public var currentURL: String?

    public static let none = ServerNames(names: [], current: nil, currentURL: nil)

    public static func path(environment: [String: String]) -> URL {
        ClientConfig.path(environment: environment)
    }

    public static func load(environment: [String: String]) -> ServerNames {
        guard let data = FileManager.default.contents(atPath: path(environment: environment).path) else { return .none }
        return parse(String(decoding: data, as: UTF8.self))
    }

    public static func parse(_ text: String) -> ServerNames {
        guard let root = try? Yams.compose(yaml: text, .basic), let mapping = root.mapping else { return .none }
        var names: [String] = []
        var urls: [String: String] = [:]
        switch mapping["servers"] {
        case .mapping(let servers)?:
            for (key, value) in servers {
                guard let name = key.string, !name.isEmpty else { continue }
                names.append(name)
                if let url = value.mapping?["url"]?.string { urls[name] = url }
            }
        case .sequence(let entries)?:
            for entry in entries {
                guard let name = entry.mapping?["name"]?.string, !name.isEmpty else { continue }
                names.append(name)
                if let url = entry.mapping?["url"]?.string { urls[name] = url }
            }
        default:
            break
        }
        let current = mapping["current"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        return ServerNames(names: names, current: current, currentURL: current.flatMap { urls[$0] })
    }

    /// Which server a command would talk to, as a key for cached completions: `AME_SERVER`,
    /// else config.yaml's current server; nil for the embedded engine.
    public static func selected(environment: [String: String]) -> String? {
        if let server = environment["AME_SERVER"], !server.isEmpty { return server }
        let config = load(environment: environment)
        return config.currentURL ?? config.current
    }
}
