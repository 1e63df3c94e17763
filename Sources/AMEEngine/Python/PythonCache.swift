import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Python side of `EngineLayout.cacheDirectory`: each user's environments
/// (`envs/USER/KEY`) and package caches (`users/USER/{uv,pip,…}`), and AME's tools.
/// `ame cache info` reads it; `ame cache prune` removes environments no run has used for a
/// while (a later run rebuilds one in seconds from the package cache).
public struct PythonCache: Sendable {
    public let layout: EngineLayout

    public init(layout: EngineLayout) {
        self.layout = layout
    }

    static let packageCacheNames = ["uv", "pip", "poetry", "pipenv", "virtualenv"]

    /// Everything in the cache, users sorted by name, environments by last use (newest first).
    public func report() -> PythonCacheReport {
        var seen = DiskUsage.Seen()
        var users: [PythonCacheReport.User] = []
        for (user, environments) in environmentFolders() {
            var listed: [PythonCacheReport.Environment] = []
            for folder in environments {
                listed.append(describe(folder, bytes: DiskUsage.allocatedBytes(under: [folder.path], seen: &seen)))
            }
            listed.sort { ($0.lastUsedAt ?? .distantPast, $0.key) > ($1.lastUsedAt ?? .distantPast, $1.key) }
            var caches: [String: Int64] = [:]
            if let user {
                let base = layout.userCaches.appendingPathComponent(user)
                for name in Self.packageCacheNames {
                    let path = base.appendingPathComponent(name).path
                    if FileManager.default.fileExists(atPath: path) { caches[name] = DiskUsage.allocatedBytes(under: [path], seen: &seen) }
                }
            }
            let bytes = listed.reduce(0) { $0 + $1.bytes } + caches.values.reduce(0, +)
            users.append(PythonCacheReport.User(user: user, environments: listed, packageCaches: caches, bytes: bytes))
        }
        let tools = DiskUsage.allocatedBytes(under: [layout.tools.path], seen: &seen)
        return PythonCacheReport(cacheDirectory: layout.cacheDirectory.path, users: users, toolsBytes: tools,
                                 totalBytes: users.reduce(tools) { $0 + $1.bytes })
    }

    /// Removes the environments last used before `cutoff` (all of them with `.distantFuture`),
    /// and with `packages` every user's package caches too. An environment a run is building
    /// (its lock held) is left alone.
    public func prune(lastUsedBefore cutoff: Date, packages: Bool) -> PythonCachePruneReport {
        var report = PythonCachePruneReport(removed: [], packageCachesEmptied: [], freedBytes: 0, skippedBusy: [])
        for (user, environments) in environmentFolders() {
            for folder in environments {
                let described = describe(folder, bytes: 0)
                guard (described.lastUsedAt ?? .distantPast) < cutoff else { continue }
                // Builds hold this lock; so does a prune, so no build starts meanwhile.
                guard let lock = FileLock.tryLock(path: folder.path + ".lock") else {
                    report.skippedBusy.append((user.map { $0 + "/" } ?? "") + described.key)
                    continue
                }
                let bytes = DiskUsage.allocatedBytes(under: [folder.path])
                if Self.remove(folder) {
                    report.removed.append(.init(user: user, key: described.key, bytes: bytes, lastUsedAt: described.lastUsedAt))
                    report.freedBytes += bytes
                }
                lock.unlock()
            }
        }
        if packages {
            for user in userCacheFolders() {
                for name in Self.packageCacheNames {
                    let folder = layout.userCaches.appendingPathComponent(user).appendingPathComponent(name)
                    guard FileManager.default.fileExists(atPath: folder.path) else { continue }
                    let bytes = DiskUsage.allocatedBytes(under: [folder.path])
                    if Self.remove(folder) {
                        report.packageCachesEmptied.append("\(user)/\(name)")
                        report.freedBytes += bytes
                    }
                }
            }
        }
        return report
    }

    // MARK: - Reading the folders

    /// Environments by user: `envs/USER/KEY`, and `envs/KEY` (no user) where builds ran
    /// without one. Unfinished builds (`.build-*`, no stamp) are not environments.
    func environmentFolders() -> [(user: String?, environments: [URL])] {
        let root = layout.environments
        var result: [(String?, [URL])] = []
        var loose: [URL] = []
        for name in Self.entries(of: root) where !name.hasPrefix(".") && !name.hasSuffix(".lock") {
            let folder = root.appendingPathComponent(name, isDirectory: true)
            if Self.isEnvironment(folder) {
                loose.append(folder)
            } else if Self.isDirectory(folder.path) {
                let environments = Self.entries(of: folder).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".lock") }
                    .map { folder.appendingPathComponent($0, isDirectory: true) }.filter(Self.isEnvironment)
                result.append((name, environments))
            }
        }
        // Users with package caches but no environment (yet, or any more).
        for user in userCacheFolders() where !result.contains(where: { $0.0 == user }) {
            result.append((user, []))
        }
        result.sort { ($0.0 ?? "") < ($1.0 ?? "") }
        if !loose.isEmpty { result.insert((nil, loose), at: 0) }
        return result
    }

    private func userCacheFolders() -> [String] {
        Self.entries(of: layout.userCaches).filter { !$0.hasPrefix(".") && Self.isDirectory(layout.userCaches.appendingPathComponent($0).path) }.sorted()
    }

    private func describe(_ folder: URL, bytes: Int64) -> PythonCacheReport.Environment {
        let stamp = folder.appendingPathComponent(PythonEnvironmentBuilder.stampName)
        let record = (try? Data(contentsOf: stamp)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: String] } ?? [:]
        let builtAt = record["builtAt"].flatMap { ISO8601DateFormatter().date(from: $0) } ?? Self.modificationTime(stamp.path)
        let lastUsed = Self.modificationTime(folder.appendingPathComponent(PythonEnvironmentBuilder.lastUsedName).path) ?? builtAt
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        return PythonCacheReport.Environment(key: folder.lastPathComponent, path: folder.path, manager: record["manager"], python: record["python"],
                                             files: nonEmpty(record["files"]), extraPackages: nonEmpty(record["extraPackages"]),
                                             bytes: bytes, builtAt: builtAt, lastUsedAt: lastUsed)
    }

    static func isEnvironment(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(PythonEnvironmentBuilder.stampName).path)
    }

    static func entries(of folder: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func modificationTime(_ path: String) -> Date? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    /// Removes a folder: the stamp first, so a half-removed environment reads as
    /// unfinished (and is rebuilt) rather than used.
    static func remove(_ folder: URL) -> Bool {
        unlink(folder.appendingPathComponent(PythonEnvironmentBuilder.stampName).path)
        return (try? FileManager.default.removeItem(at: folder)) != nil
    }
}
