import AMEPluginKit
import AMESystem
import Foundation

/// Remembers each plugin's handshake by path and by the identity of the file's content
/// (size, modification time, inode), so `ame help`, `ame plugin list` and dispatch start
/// no process for a plugin that has not changed. Failed handshakes are remembered too, so
/// a broken plugin does not cost its timeout on every `ame help`.
///
/// One small file per plugin path: dispatch reads only the one it needs, and concurrent
/// `ame` processes never rewrite each other's entries.
public struct DescribeCache: Sendable {
    public let directory: URL
    /// `directory`'s path, kept so that a lookup builds no URL (see `FilePaths`).
    let directoryPath: String

    public init(directory: URL) {
        self.init(directory: directory, path: directory.path)
    }

    init(directory: URL, path: String) {
        self.directory = directory
        self.directoryPath = path
    }

    /// `$XDG_CACHE_HOME/ame/plugins`.
    public static func standard(environment: [String: String]) -> DescribeCache {
        let path = AMEDirectories.cache(environment: environment) + "/plugins/describe"
        return DescribeCache(directory: URL(fileURLWithPath: path, isDirectory: true), path: path)
    }

    // An entry: {"path", "identity": {size, modified, inode, device}, "described": DOC | "failed": REASON},
    // written and read by hand (see `JSONParser` for why not `Codable`).

    public func lookup(path: String, identity: PluginFileCheck.Identity) -> HandshakeOutcome? {
        guard let data = FileBytes.read(filePath(for: path)),
              let entry = try? JSONParser.parse(data), let fields = try? JSONFields(entry),
              (try? fields.string("path")) == path,
              let stored = try? fields.nested("identity"),
              (try? stored.integer("size")) == identity.size,
              (try? stored.integer("modified")) == identity.modifiedNanoseconds,
              (try? stored.integer("inode")) == Int64(bitPattern: identity.inode),
              (try? stored.integer("device")) == Int64(bitPattern: identity.device) else { return nil }
        if let description = fields.object["described"] {
            return (try? PluginDescription(json: description)).map(HandshakeOutcome.described)
        }
        return (try? fields.string("failed")).map(HandshakeOutcome.failed)
    }

    public func store(_ outcome: HandshakeOutcome, path: String, identity: PluginFileCheck.Identity) {
        var entry: [String: JSONValue] = [
            "path": .string(path),
            "identity": [
                "size": .integer(identity.size), "modified": .integer(identity.modifiedNanoseconds),
                "inode": .integer(Int64(bitPattern: identity.inode)), "device": .integer(Int64(bitPattern: identity.device)),
            ],
        ]
        switch outcome {
        case .described(let description): entry["described"] = description.json
        case .failed(let reason): entry["failed"] = .string(reason)
        }
        // A cache that cannot be written only costs a handshake next time.
        try? AtomicFile.write(Data(JSONWriter.write(.object(entry))), to: URL(fileURLWithPath: filePath(for: path)), permissions: 0o600)
    }

    func filePath(for path: String) -> String {
        // FNV-1a: a stable, short file name; the entry repeats the path, so a collision
        // is a miss, never a wrong answer.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let name = String(hash, radix: 16)
        return directoryPath + "/" + String(repeating: "0", count: 16 - name.count) + name + ".json"
    }
}

/// What a handshake produced: the document, or why there is none.
public enum HandshakeOutcome: Hashable, Sendable {
    case described(PluginDescription)
    case failed(String)
}
