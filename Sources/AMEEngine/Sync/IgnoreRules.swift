import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which paths of a directory tree AME leaves out, with git's `.gitignore` semantics.
///
/// Ignore files are read from the root and from every directory below it; a nested file's
/// patterns are relative to its own directory and take precedence over its parents'. Within one
/// directory `.ameignore` comes after `.gitignore`, so it can re-include (`!model.pkl`) what git
/// ignores. As in git, nothing inside an ignored directory can be re-included, and a directory
/// named `.git` is always ignored.
///
/// Nested ignore files are read lazily, the first time a path below them is asked about.
public final class IgnoreRules: @unchecked Sendable {
    public enum Flavour: String, Sendable, CaseIterable {
        /// What goes up to the compute: `.gitignore` and `.ameignore`.
        case sync
        /// What comes back from a run: `.ameignore` and built-in patterns for Python and tool
        /// clutter, but not `.gitignore`, which typically lists the very model files the user
        /// wants back.
        case artifacts

        /// Ignore files read in each directory, in increasing precedence.
        public var fileNames: [String] {
            switch self {
            case .sync: return [".gitignore", ".ameignore"]
            case .artifacts: return [".ameignore"]
            }
        }

        /// Patterns applied below every ignore file (like git's global excludes file), so an
        /// `.ameignore` can still negate them.
        public var builtInPatterns: [String] {
            switch self {
            case .sync: return []
            case .artifacts: return ["__pycache__/", "*.pyc", ".ipynb_checkpoints/", ".venv/", ".ame/"]
            }
        }
    }

    /// The patterns of the ignore files of one directory.
    struct PatternList: Sendable {
        /// Relative path of the directory ("" for the root).
        let directory: String
        /// Bytes to skip in a root-relative path to get the path relative to `directory`.
        let offset: Int
        let patterns: [IgnorePattern]

        init(directory: String, patterns: [IgnorePattern]) {
            self.directory = directory
            self.offset = directory.isEmpty ? 0 : directory.utf8.count + 1
            self.patterns = patterns
        }

        init(directory: String, contents: [[UInt8]]) {
            var patterns: [IgnorePattern] = []
            for var text in contents {
                // A UTF-8 byte order mark is not part of the first pattern.
                if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
                for var line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                    // Git reads patterns as C strings: a NUL ends the pattern.
                    if let nul = line.firstIndex(of: 0) { line = line[..<nul] }
                    if let pattern = IgnorePattern(line: Array(line)) { patterns.append(pattern) }
                }
            }
            self.init(directory: directory, patterns: patterns)
        }
    }

    public let root: URL
    public let flavour: Flavour
    let builtIn: PatternList
    private let rootPath: String
    private let lock = NSLock()
    /// Directory → its patterns, for `isIgnored(relativePath:isDirectory:)`; nil when the
    /// directory has no ignore file.
    private var cache: [String: PatternList?] = [:]
    private var problems: [String] = []

    public init(root: URL, flavour: Flavour) {
        self.root = root
        self.flavour = flavour
        self.rootPath = root.path
        self.builtIn = PatternList(directory: "", contents: [Array(flavour.builtInPatterns.joined(separator: "\n").utf8)])
    }

    /// The rules for the tree at `root`, with the root's ignore files read now so that an
    /// unreadable one is reported before anything is decided.
    public static func load(root: URL, flavour: Flavour) throws -> IgnoreRules {
        let rules = IgnoreRules(root: root, flavour: flavour)
        let list = try rules.readPatterns(directory: "")
        rules.lock.lock()
        rules.cache[""] = .some(list)
        rules.lock.unlock()
        return rules
    }

    /// Ignore files that could not be read by `isIgnored` (which cannot throw); each was treated
    /// as empty.
    public var warnings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return problems
    }

    /// Whether `relativePath` (relative to the root, `/`-separated) is left out, either itself
    /// or because a directory above it is.
    public func isIgnored(relativePath: String, isDirectory: Bool) -> Bool {
        let components = relativePath.split(separator: "/")
        guard !components.isEmpty else { return false }
        var chain = [cachedPatterns(directory: "")].compactMap { $0 }
        var directory = ""
        for (index, component) in components.enumerated() {
            let path = directory.isEmpty ? String(component) : directory + "/" + component
            let isLast = index == components.count - 1
            if isExcluded(path: path, isDirectory: isLast ? isDirectory : true, chain: chain) { return true }
            if isLast { break }
            directory = path
            if let list = cachedPatterns(directory: directory) { chain.append(list) }
        }
        return false
    }

    /// Whether `path` itself is excluded by the lists of its ancestors (`chain`, root first,
    /// only directories with ignore files). The caller has checked that no ancestor directory is
    /// excluded: that is the scanner's walk, which never descends into an ignored directory.
    func isExcluded(path: String, isDirectory: Bool, chain: [PatternList]) -> Bool {
        Wildmatch.withUTF8(of: path) { bytes in
            var basenameStart = bytes.count
            while basenameStart > 0 && bytes[basenameStart - 1] != .slash { basenameStart -= 1 }
            let basename = UnsafeBufferPointer(rebasing: bytes[basenameStart...])
            // Git never looks inside (or at) `.git`, whatever the ignore files say.
            if basename.elementsEqual(".git".utf8) { return true }
            for list in chain.reversed() {
                if let excluded = Self.decision(list, bytes, basenameStart: basenameStart, isDirectory: isDirectory) { return excluded }
            }
            return Self.decision(builtIn, bytes, basenameStart: basenameStart, isDirectory: isDirectory) ?? false
        }
    }

    /// The last pattern of `list` that matches decides; nil when none does.
    private static func decision(_ list: PatternList, _ path: UnsafeBufferPointer<UInt8>, basenameStart: Int, isDirectory: Bool) -> Bool? {
        guard !list.patterns.isEmpty, list.offset <= path.count else { return nil }
        let name = UnsafeBufferPointer(rebasing: path[list.offset...])
        // By index, newest first: iterating `reversed()` copies each pattern (and retains its
        // storage), which shows in a warm scan.
        var index = list.patterns.count - 1
        while index >= 0 {
            if list.patterns[index].matches(name, basenameStart: basenameStart - list.offset, isDirectory: isDirectory) {
                return !list.patterns[index].negative
            }
            index -= 1
        }
        return nil
    }

    private func cachedPatterns(directory: String) -> PatternList? {
        lock.lock()
        if let cached = cache[directory] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        var list: PatternList?
        do {
            let read = try readPatterns(directory: directory)
            list = read.patterns.isEmpty ? nil : read
        } catch {
            lock.lock()
            problems.append("\(error)")
            lock.unlock()
        }
        lock.lock()
        cache[directory] = .some(list)
        lock.unlock()
        return list
    }

    /// Reads the ignore files of `directory` (relative to the root). `descriptor`, when given, is
    /// that directory already open, which saves resolving its path again during a walk.
    func readPatterns(directory: String, descriptor: Int32? = nil) throws -> PatternList {
        var contents: [[UInt8]] = []
        for name in flavour.fileNames {
            let relative = directory.isEmpty ? name : directory + "/" + name
            let bytes: [UInt8]?
            if let descriptor {
                bytes = try Self.readIgnoreFile(name, in: descriptor, displayPath: relative)
            } else {
                bytes = try Self.readIgnoreFile(rootPath + "/" + relative, in: AT_FDCWD, displayPath: relative)
            }
            if let bytes { contents.append(bytes) }
        }
        return PatternList(directory: directory, contents: contents)
    }

    /// The content of a regular ignore file, nil when there is none. A symbolic link is not
    /// followed (git refuses in-tree `.gitignore` symlinks too), so an ignore file can never
    /// pull in text from outside the project.
    private static func readIgnoreFile(_ name: String, in directory: Int32, displayPath: String) throws -> [UInt8]? {
        let descriptor = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let error = SystemCallError.current
            switch error.code {
            case ENOENT, ENOTDIR, ELOOP, EISDIR: return nil
            default: throw SyncError.cannotRead(path: displayPath, reason: error.text)
            }
        }
        defer { close(descriptor) }
        guard case .success(let status) = FileStatus.of(descriptor: descriptor), status.kind == .file else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SyncError.cannotRead(path: displayPath, reason: SystemCallError.current.text)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
