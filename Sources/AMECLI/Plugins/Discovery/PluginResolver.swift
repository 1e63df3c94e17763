import AMEPluginKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one answer to "which plugins are there, and which file runs for NAME". Dispatch,
/// `ame plugin list`, `ame help` and completion all ask this type, so they cannot disagree.
///
/// For each name the first file in search order wins, valid or not: a broken plugin early
/// in the path is reported, never silently skipped for a later one (which would make what
/// runs depend on whether a file happens to be broken today).
public struct PluginResolver: Sendable {
    public var directories: [PluginSearchDirectory]
    public var builtinNames: Set<String>
    public var cache: DescribeCache
    /// The environment handshakes run with.
    public var environment: [String: String]
    /// Ignore cached handshakes (and refresh them).
    public var refresh = false

    /// `ame-server` ships beside `ame` but is a program of its own, not a plugin.
    public static let reservedNames: Set<String> = ["server"]

    public init(directories: [PluginSearchDirectory], builtinNames: Set<String>, cache: DescribeCache, environment: [String: String]) {
        self.directories = directories
        self.builtinNames = builtinNames
        self.cache = cache
        self.environment = environment
    }

    /// The resolver for this invocation of `ame`.
    public static func standard(context: CommandContext) -> PluginResolver {
        PluginResolver(
            directories: PluginSearchPath.directories(environment: context.environment, executablePath: context.executablePath),
            builtinNames: Set(RootCommand.builtinNames),
            cache: DescribeCache.standard(environment: context.environment),
            environment: PluginEnvironment.forHandshake(context: context))
    }

    // MARK: Finding files

    struct Candidate: Sendable {
        var path: String
        var source: PluginSource
    }

    /// Every plugin name found, with its candidates in search order. Reads folders only.
    func candidatesByName() -> [(name: String, candidates: [Candidate])] {
        var order: [String] = []
        var byName: [String: [Candidate]] = [:]
        for directory in directories {
            for name in Self.names(in: directory) {
                let path = directory.candidatePath(for: name)
                guard Self.exists(path) else { continue }
                if byName[name] == nil { order.append(name) }
                byName[name, default: []].append(Candidate(path: path, source: directory.source))
            }
        }
        return order.sorted().map { ($0, byName[$0] ?? []) }
    }

    /// The candidates for one name, in search order. Looks at one path per folder.
    func candidates(named name: String) -> [Candidate] {
        guard PluginDescription.isValidName(name), !Self.reservedNames.contains(name) else { return [] }
        return directories.compactMap { directory in
            let path = directory.candidatePath(for: name)
            return Self.exists(path) ? Candidate(path: path, source: directory.source) : nil
        }
    }

    /// Plugin names only (for suggestions and completion): no checks, no processes.
    public func names() -> [String] {
        candidatesByName().map(\.name)
    }

    static func names(in directory: PluginSearchDirectory) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return entries.compactMap { entry -> String? in
            let name: String
            if directory.source == .installed {
                name = entry
            } else {
                guard entry.hasPrefix("ame-") else { return nil }
                name = String(entry.dropFirst(4))
            }
            return PluginDescription.isValidName(name) && !reservedNames.contains(name) ? name : nil
        }
    }

    /// A regular file, or a symlink (even a dangling one, which is reported as invalid).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 { return (info.st_mode & S_IFMT) == S_IFREG }
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    // MARK: Resolving

    /// Every plugin, sorted by name. Handshakes that are not cached run concurrently.
    public func all() async -> [PluginRecord] {
        let found = candidatesByName()
        return await withTaskGroup(of: (Int, PluginRecord).self) { group in
            for (index, entry) in found.enumerated() {
                group.addTask { (index, await record(name: entry.name, candidates: entry.candidates, allowBuiltinName: false)) }
            }
            var records = [PluginRecord?](repeating: nil, count: found.count)
            for await (index, record) in group { records[index] = record }
            return records.compactMap { $0 }
        }
    }

    /// The plugin `ame NAME` would run, or nil when there is no `ame-NAME` anywhere.
    /// `allowBuiltinName` is for `ame plugin exec`, which reaches a plugin whose name a
    /// built-in command took.
    public func resolve(_ name: String, allowBuiltinName: Bool = false) async -> PluginRecord? {
        let found = candidates(named: name)
        guard !found.isEmpty else { return nil }
        return await record(name: name, candidates: found, allowBuiltinName: allowBuiltinName)
    }

    func record(name: String, candidates: [Candidate], allowBuiltinName: Bool) async -> PluginRecord {
        let winner = candidates[0]
        let shadowed = candidates.dropFirst().map { ShadowedPlugin(path: $0.path, source: $0.source) }
        let status = await status(of: winner.path, name: name, allowBuiltinName: allowBuiltinName)
        return PluginRecord(name: name, path: winner.path, source: winner.source, status: status, shadowed: shadowed)
    }

    /// What `resolveWithoutHandshake` found for a name.
    enum QuickResolution: Sendable {
        /// No `ame-NAME` anywhere.
        case absent
        /// The plugin, valid or not, decided from its file and its cached describe document.
        case decided(PluginRecord)
        /// Its file is there and checked, but its describe document is not cached.
        case handshakeNeeded(name: String, candidates: [Candidate], identity: PluginFileCheck.Identity)
    }

    /// `resolve` as far as it goes without a handshake (for every plugin whose describe
    /// document is cached, which is every plugin from its second run on, all the way):
    /// synchronous, so `ame NAME` can run it before Swift's async runtime has started.
    /// `resolve(from:)` does the rest, without looking at the folders again.
    func resolveWithoutHandshake(_ name: String) -> QuickResolution {
        let found = candidates(named: name)
        guard let winner = found.first else { return .absent }
        switch lookup(winner.path, name: name, allowBuiltinName: false) {
        case .decided(let status):
            let shadowed = found.dropFirst().map { ShadowedPlugin(path: $0.path, source: $0.source) }
            return .decided(PluginRecord(name: name, path: winner.path, source: winner.source, status: status, shadowed: shadowed))
        case .handshakeNeeded(let identity):
            return .handshakeNeeded(name: name, candidates: found, identity: identity)
        }
    }

    /// The plugin `ame NAME` would run, from what `resolveWithoutHandshake` found; nil when
    /// there is no `ame-NAME`.
    func resolve(from quick: QuickResolution) async -> PluginRecord? {
        switch quick {
        case .absent:
            return nil
        case .decided(let record):
            return record
        case .handshakeNeeded(let name, let candidates, let identity):
            let winner = candidates[0]
            let outcome = await PluginHandshake.describe(path: winner.path, environment: environment)
            cache.store(outcome, path: winner.path, identity: identity)
            let shadowed = candidates.dropFirst().map { ShadowedPlugin(path: $0.path, source: $0.source) }
            return PluginRecord(name: name, path: winner.path, source: winner.source, status: Self.status(of: outcome, name: name),
                                shadowed: shadowed)
        }
    }

    func status(of path: String, name: String, allowBuiltinName: Bool) async -> PluginStatus {
        switch lookup(path, name: name, allowBuiltinName: allowBuiltinName) {
        case .decided(let status):
            return status
        case .handshakeNeeded(let identity):
            let outcome = await PluginHandshake.describe(path: path, environment: environment)
            cache.store(outcome, path: path, identity: identity)
            return Self.status(of: outcome, name: name)
        }
    }

    enum Lookup {
        case decided(PluginStatus)
        case handshakeNeeded(PluginFileCheck.Identity)
    }

    /// Everything but the handshake: the name, the file's checks, the cached document.
    func lookup(_ path: String, name: String, allowBuiltinName: Bool) -> Lookup {
        // A plugin named like a built-in is never started, not even for its handshake.
        if !allowBuiltinName && builtinNames.contains(name) {
            return .decided(.invalid("its name is taken by the built-in command 'ame \(name)' (run it with 'ame plugin exec \(name) -- …')"))
        }
        let identity: PluginFileCheck.Identity
        switch PluginFileCheck.check(path) {
        case .absent: return .decided(.invalid("it disappeared while AME was looking at it"))
        case .invalid(let reason): return .decided(.invalid(reason))
        case .ok(let found): identity = found
        }
        guard !refresh, let cached = cache.lookup(path: path, identity: identity) else { return .handshakeNeeded(identity) }
        return .decided(Self.status(of: cached, name: name))
    }

    static func status(of outcome: HandshakeOutcome, name: String) -> PluginStatus {
        switch outcome {
        case .failed(let reason):
            return .invalid(reason)
        case .described(let description):
            if let problem = description.problem(expectedName: name) { return .invalid(problem) }
            return .valid(description)
        }
    }
}
