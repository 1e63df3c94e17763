import AMEPluginKit
import AMESystem
import Foundation

/// What completion last learnt from the jobs API (run ids, secret names), per server, in
/// `$XDG_CACHE_HOME/ame/completion/`: when the server cannot be reached in time, Tab still
/// offers what was there last time.
struct CompletionCache: Sendable {
    let directory: URL

    static func standard(environment: [String: String]) -> CompletionCache {
        let base: URL
        if let value = environment["XDG_CACHE_HOME"], value.hasPrefix("/") {
            base = URL(fileURLWithPath: value)
        } else {
            base = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".cache")
        }
        return CompletionCache(directory: base.appendingPathComponent("ame/completion"))
    }

    /// Rows of strings (a run: id, status, task, creation time).
    func load(_ kind: String, source: String) -> [[String]]? {
        guard let data = FileManager.default.contents(atPath: file(kind, source: source).path),
              let value = try? JSONParser.parse(data), case .object(let object) = value,
              object["source"] == .string(source), case .array(let rows)? = object["rows"] else { return nil }
        return rows.map { row in
            guard case .array(let cells) = row else { return [] }
            return cells.map { $0.stringValue ?? "" }
        }
    }

    func store(_ rows: [[String]], kind: String, source: String) {
        let value: JSONValue = .object([
            "source": .string(source),
            "rows": .array(rows.map { .array($0.map(JSONValue.string)) }),
        ])
        // A cache that cannot be written only means no fallback next time.
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? AtomicFile.write(Data(JSONWriter.write(value)), to: file(kind, source: source), permissions: 0o600)
    }

    func file(_ kind: String, source: String) -> URL {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return directory.appendingPathComponent("\(kind)-\(String(hash, radix: 16)).json")
    }
}
