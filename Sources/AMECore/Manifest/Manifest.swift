/// The files of a project at one moment: relative path → content digest, size and mode.
///
/// Paths are relative, use `/`, and never contain `.` or `..` components, so a manifest
/// can be materialized anywhere without escaping its directory (`validate()` checks).
public struct Manifest: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case file
        /// A symbolic link whose target stays inside the project.
        case symlink
    }

    public struct Entry: Hashable, Sendable, Codable {
        public var path: String
        public var kind: Kind
        /// For files: the content digest.
        public var digest: Digest?
        public var size: Int64
        public var executable: Bool
        /// For symlinks: the link's target, relative to the link's directory.
        public var target: String?

        public init(path: String, digest: Digest, size: Int64, executable: Bool = false) {
            self.path = path
            self.kind = .file
            self.digest = digest
            self.size = size
            self.executable = executable
            self.target = nil
        }

        public init(path: String, symlinkTo target: String) {
            self.path = path
            self.kind = .symlink
            self.digest = nil
            self.size = 0
            self.executable = false
            self.target = target
        }
    }

    /// Sorted by path, however they were given or decoded: the checks in `validate()` and
    /// `entry(at:)` rely on the order.
    public private(set) var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.path < $1.path }
    }

    private enum CodingKeys: String, CodingKey { case entries }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entries: try container.decode([Entry].self, forKey: .entries))
    }

    public var digests: Set<Digest> { Set(entries.compactMap(\.digest)) }
    public var totalSize: Int64 { entries.reduce(0) { $0 + $1.size } }
    public var count: Int { entries.count }

    public func entry(at path: String) -> Entry? {
        // Entries are sorted: binary search.
        var low = 0, high = entries.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let candidate = entries[middle].path
            if candidate == path { return entries[middle] }
            if candidate < path { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }

    public struct InvalidPath: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "manifest path '\(path)' \(reason)" }
    }

    /// Rejects any path (or symlink target) that could land outside the directory it is
    /// materialized into.
    public func validate() throws(InvalidPath) {
        var seen = Set<String>()
        for entry in entries {
            if let reason = Self.problem(with: entry.path) { throw InvalidPath(path: entry.path, reason: reason) }
            guard seen.insert(entry.path).inserted else { throw InvalidPath(path: entry.path, reason: "appears twice") }
            switch entry.kind {
            case .file:
                guard entry.digest != nil, entry.size >= 0 else { throw InvalidPath(path: entry.path, reason: "has no digest") }
            case .symlink:
                guard let target = entry.target, Self.symlinkStaysInside(path: entry.path, target: target) else {
                    throw InvalidPath(path: entry.path, reason: "is a symlink that points outside the project")
                }
            }
        }
        // Nothing may live inside a file or a symlink (`a` and `a/b`): writing `a/b` would
        // otherwise follow the link.
        for entry in entries {
            var prefix = entry.path
            while let slash = prefix.lastIndex(of: "/") {
                prefix = String(prefix[..<slash])
                if let parent = self.entry(at: prefix) {
                    throw InvalidPath(path: entry.path, reason: "is inside '\(parent.path)', which is a \(parent.kind == .file ? "file" : "symlink")")
                }
            }
        }
        // A symlink's target must not pass through another symlink (`dot -> .` with
        // `esc -> dot/..` escapes though each looks harmless alone).
        for entry in entries where entry.kind == .symlink {
            guard let target = entry.target, let resolved = Self.resolve(path: entry.path, target: target) else { continue }
            var prefix = ""
            for component in resolved.split(separator: "/").dropLast() {
                prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
                if self.entry(at: prefix)?.kind == .symlink {
                    throw InvalidPath(path: entry.path, reason: "is a symlink whose target passes through the symlink '\(prefix)'")
                }
            }
        }
    }

    /// The longest path a manifest may hold, in bytes: with the folder it is laid out in,
    /// it stays well inside Linux's 4,096.
    public static let maxPathBytes = 2048
    /// The longest name of one file or folder (Linux's own limit).
    public static let maxNameBytes = 255

    /// Why a relative path is unsafe, or nil.
    public static func problem(with path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") { return "is absolute" }
        if path.utf8.contains(0) { return "contains a NUL byte" }
        if path.utf8.count > maxPathBytes { return "is longer than \(maxPathBytes) bytes" }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { return "has an empty component" }
            if component == "." || component == ".." { return "contains '\(component)'" }
            if component.utf8.count > maxNameBytes { return "has a name longer than \(maxNameBytes) bytes" }
        }
        return nil
    }

    /// Whether `target`, resolved from the directory of `path`, stays inside the root.
    /// Only leading `..` components are accepted (`../data/x`), never `..` after a name
    /// (`x/../y`), whose meaning depends on what `x` is on disk.
    public static func symlinkStaysInside(path: String, target: String) -> Bool {
        resolve(path: path, target: target) != nil
    }

    /// The root-relative path a symlink at `path` points to, or nil when it leaves the root
    /// or is written in a way whose meaning depends on the disk.
    static func resolve(path: String, target: String) -> String? {
        guard !target.hasPrefix("/"), !target.isEmpty, !target.utf8.contains(0) else { return nil }
        var components = path.split(separator: "/").dropLast().map(String.init)
        var sawName = false
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !sawName, !components.isEmpty else { return nil }
                components.removeLast()
            default:
                sawName = true
                components.append(String(part))
            }
        }
        // An empty result is the project root itself (`dot -> .`), which is inside.
        return components.joined(separator: "/")
    }
}
