/// A glob naming files relative to the project root, as written under `artifacts:` in
/// `ame.yaml`: `*`, `?` and `[...]` match within one path component, `**` matches any number
/// of directories (`out/**`, `**/*.pt`, `runs/**/best.ckpt`), and a glob that names a
/// directory names everything under it (`out` is `out/**`).
///
/// Globs are anchored at the project root, like shell globs and unlike `.gitignore` patterns:
/// `*.pkl` is the `.pkl` files at the top, `**/*.pkl` is all of them. Matching is git's
/// wildmatch, the same code that matches ignore patterns.
public struct GlobPattern: Hashable, Sendable, CustomStringConvertible {
    /// The glob as written.
    public let text: String
    /// Normalized: no leading `./` or `/`, no trailing `/`, no empty or `.` components.
    private let bytes: [UInt8]
    /// Written with a trailing `/`: matches directories (so their contents) only.
    private let directoryOnly: Bool
    /// `.` or `**`: everything.
    private let matchesEverything: Bool
    /// The leading components without wildcards, which decide which directories can hold a
    /// match at all.
    private let literalComponents: [String]

    public init(_ text: String) throws {
        self.text = text
        guard !text.allSatisfy(\.isWhitespace) else { throw SyncError.invalidGlob(glob: text, reason: "is empty") }
        guard !text.utf8.contains(0) else { throw SyncError.invalidGlob(glob: text, reason: "contains a NUL byte") }
        directoryOnly = text.hasSuffix("/")
        var components: [Substring] = []
        for component in text.split(separator: "/") where component != "." {
            if component == ".." {
                throw SyncError.invalidGlob(glob: text, reason: "uses '..'; artifacts are paths inside the project")
            }
            components.append(component)
        }
        let normalized = components.joined(separator: "/")
        bytes = Array(normalized.utf8)
        if let problem = Wildmatch.problem(with: bytes) { throw SyncError.invalidGlob(glob: text, reason: problem) }
        matchesEverything = components.isEmpty || normalized == "**"
        literalComponents = components.prefix { !$0.utf8.contains(where: Wildmatch.isSpecial) }.map(String.init)
    }

    public var description: String { text }

    /// Whether the file (or symlink) at `path` (relative to the project root) is named by this
    /// glob, itself or through one of its parent directories.
    public func matches(_ path: String) -> Bool {
        if matchesEverything { return true }
        return bytes.withUnsafeBufferPointer { pattern in
            Wildmatch.withUTF8(of: path) { path in
                if !directoryOnly && Wildmatch.matches(pattern, path, pathname: true) { return true }
                for index in path.indices where path[index] == .slash {
                    if Wildmatch.matches(pattern, UnsafeBufferPointer(rebasing: path[..<index]), pathname: true) { return true }
                }
                return false
            }
        }
    }

    /// False when nothing under `directory` (relative to the project root) can match, so a walk
    /// need not enter it. May answer true for directories that turn out to hold no match.
    public func mayMatch(inDirectory directory: String) -> Bool {
        if matchesEverything { return true }
        for (component, literal) in zip(directory.split(separator: "/"), literalComponents) where component != literal {
            return false
        }
        return true
    }
}
