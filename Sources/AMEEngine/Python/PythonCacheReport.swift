import Foundation

/// What `ame cache info` shows: per user, their Python environments and package caches;
/// then what everyone shares (AME's tools). Sizes are bytes on disk, each file counted
/// once however many environments hard-link it (uv links packages from its cache).
public struct PythonCacheReport: Codable, Sendable, Equatable {
    public struct Environment: Codable, Sendable, Equatable {
        /// The folder name: manager, Python and a digest (`pip-py3.11.7-3f2a…`).
        public var key: String
        public var path: String
        public var manager: String?
        public var python: String?
        /// The project files it was built from (`requirements.txt`, `uv.lock`, …).
        public var files: String?
        public var extraPackages: String?
        public var bytes: Int64
        public var builtAt: Date?
        /// When a run last used it (its build, if none has since).
        public var lastUsedAt: Date?
    }

    public struct User: Codable, Sendable, Equatable {
        /// The user's folder name (nil: environments of no particular user, as in a Pod).
        public var user: String?
        public var environments: [Environment]
        /// Package caches by tool (`uv`, `pip`, `poetry`, `pipenv`, `virtualenv`), bytes.
        public var packageCaches: [String: Int64]
        public var bytes: Int64
    }

    public var cacheDirectory: String
    public var users: [User]
    /// uv, Poetry and pipenv as AME installed them, shared by every user.
    public var toolsBytes: Int64
    public var totalBytes: Int64
}

/// What `ame cache prune` removed.
public struct PythonCachePruneReport: Codable, Sendable, Equatable {
    public struct Removed: Codable, Sendable, Equatable {
        public var user: String?
        public var key: String
        public var bytes: Int64
        public var lastUsedAt: Date?
    }

    public var removed: [Removed]
    /// Package caches emptied (with `--packages`), as "USER/TOOL".
    public var packageCachesEmptied: [String]
    public var freedBytes: Int64
    /// Environments kept because a run is building them right now.
    public var skippedBusy: [String]
}
