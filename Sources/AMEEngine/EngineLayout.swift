import AMESystem
import Foundation

/// Where the engine keeps its state. The embedded engine follows the XDG base directories;
/// `ame-server` keeps everything under its `--data-dir`.
public struct EngineLayout: Sendable {
    /// Durable state: the database, blobs, logs, the secret key, installed plugins.
    public let dataDirectory: URL
    /// Rebuildable state: Python environments, tools, hash caches, downloaded data.
    public let cacheDirectory: URL

    public init(dataDirectory: URL, cacheDirectory: URL) {
        self.dataDirectory = dataDirectory
        self.cacheDirectory = cacheDirectory
    }

    public var database: URL { dataDirectory.appendingPathComponent("ame.sqlite") }
    public var blobs: URL { dataDirectory.appendingPathComponent("blobs") }
    public var logs: URL { dataDirectory.appendingPathComponent("logs") }
    /// The AES key of the secret vault (mode 0600).
    public var secretKey: URL { dataDirectory.appendingPathComponent("secrets.key") }
    /// One materialized project per active run.
    public var workspaces: URL { dataDirectory.appendingPathComponent("workspaces") }
    /// Each sandboxed run's private `/tmp`, removed with the run.
    public var sandboxes: URL { dataDirectory.appendingPathComponent("sandboxes") }
    /// Each user's home in the sandbox, kept from run to run (as a home is): `homes/USER`.
    public var homes: URL { dataDirectory.appendingPathComponent("homes") }
    /// Scratch space on the same file system as `blobs` (so renames are atomic).
    public var temporary: URL { dataDirectory.appendingPathComponent("tmp") }
    public var plugins: URL { dataDirectory.appendingPathComponent(AMEDirectories.pluginsFolder) }

    /// Python environments, one folder per user and (manager, lock-file hash, Python
    /// version): a build runs the user's code, so no user ever runs in another's.
    public var environments: URL { cacheDirectory.appendingPathComponent("envs") }
    /// Each user's package caches (pip, uv, Poetry, pipenv), written by their builds only.
    public var userCaches: URL { cacheDirectory.appendingPathComponent("users") }
    /// Tools AME installs for itself (uv, poetry, pipenv).
    public var tools: URL { cacheDirectory.appendingPathComponent("tools") }
    /// Per-project caches of file hashes keyed by path, size, mtime and inode.
    public var hashCaches: URL { cacheDirectory.appendingPathComponent("hashes") }
    /// Inputs fetched for runs (S3 objects), keyed by ETag.
    public var dataCache: URL { cacheDirectory.appendingPathComponent("data") }

    /// A user's folder name under `environments`, `userCaches` and `homes`: the name itself
    /// when it is a plain one, else a digest of it (names are chosen by admins, paths by AME).
    public static func folderName(forUser user: String) -> String {
        let plain = !user.isEmpty && user.utf8.count <= 64 && !user.hasPrefix(".")
            && user.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        guard !plain else { return user }
        var hasher = ContentHasher()
        Array(user.utf8).withUnsafeBytes { hasher.update($0) }
        return "u-" + hasher.finalize().hex.prefix(32)
    }

    /// `$XDG_DATA_HOME/ame` and `$XDG_CACHE_HOME/ame` (or `~/.local/share/ame`, `~/.cache/ame`):
    /// `AMEDirectories`'s folders.
    public static func embedded(environment: [String: String]) -> EngineLayout {
        EngineLayout(dataDirectory: URL(fileURLWithPath: AMEDirectories.data(environment: environment), isDirectory: true),
                     cacheDirectory: URL(fileURLWithPath: AMEDirectories.cache(environment: environment), isDirectory: true))
    }

    /// Everything under the server's data directory (the cache in `cache/`).
    public static func server(dataDirectory: URL) -> EngineLayout {
        EngineLayout(dataDirectory: dataDirectory, cacheDirectory: dataDirectory.appendingPathComponent("cache"))
    }

    /// Creates the directories, with the data directory private to its owner.
    public func create() throws {
        let manager = FileManager.default
        for directory in [dataDirectory, blobs, logs, workspaces, sandboxes, homes, temporary, cacheDirectory] {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dataDirectory.path)
    }
}
