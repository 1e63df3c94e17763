#if canImport(Glibc)
import Glibc
#endif

/// One line of a `.gitignore`/`.ameignore` file, parsed the way git's `dir.c` does.
struct IgnorePattern: Sendable {
    /// The pattern without `!`, trailing `/` and (for anchored patterns) leading `/`.
    let bytes: [UInt8]
    /// `!pattern`: re-includes what an earlier pattern excluded.
    let negative: Bool
    /// `pattern/`: matches directories only.
    let directoryOnly: Bool
    /// No `/` in the pattern: it matches the last component at any depth.
    let matchesBasename: Bool
    /// Length of the leading part without wildcards, compared byte for byte before wildmatch
    /// runs on the rest (git does the same, and its `**` handling depends on that split).
    let literalPrefix: Int
    /// How to match, chosen once: most real patterns (`*.pyc`, `build/`, `.env`) need no
    /// wildmatch at all, which matters when every file meets every pattern.
    private let strategy: Strategy

    private enum Strategy {
        /// The basename equals the pattern.
        case exactName
        /// `*literal`: the basename ends with the pattern minus its star (git's ENDSWITH).
        case nameSuffix
        case nameGlob
        case path
    }

    /// Nil for blank lines, comments and patterns that can never match.
    init?(line: [UInt8]) {
        guard let first = line.first, first != .hash else { return nil }
        var bytes = Self.trimmingTrailingSpaces(line)
        var negative = false
        if bytes.first == .bang {
            negative = true
            bytes.removeFirst()
        }
        var directoryOnly = false
        if bytes.last == .slash {
            directoryOnly = true
            bytes.removeLast()
        }
        let matchesBasename = !bytes.contains(.slash)
        var literalPrefix = Wildmatch.literalPrefixLength(bytes)
        if !matchesBasename && bytes.first == .slash {
            // Anchored: the pattern is relative to the ignore file's directory, which is how
            // every path-matching pattern is applied anyway.
            bytes.removeFirst()
            literalPrefix -= 1
        }
        guard !bytes.isEmpty else { return nil }
        self.bytes = bytes
        self.negative = negative
        self.directoryOnly = directoryOnly
        self.matchesBasename = matchesBasename
        self.literalPrefix = literalPrefix
        if !matchesBasename {
            strategy = .path
        } else if literalPrefix == bytes.count {
            strategy = .exactName
        } else if bytes.first == .asterisk && !bytes.dropFirst().contains(where: Wildmatch.isSpecial) {
            strategy = .nameSuffix
        } else {
            strategy = .nameGlob
        }
    }

    /// Git drops unescaped trailing spaces (only spaces, not tabs); `\ ` keeps one.
    static func trimmingTrailingSpaces(_ line: [UInt8]) -> [UInt8] {
        var lastSpace: Int?
        var index = 0
        while index < line.count {
            switch line[index] {
            case .space:
                if lastSpace == nil { lastSpace = index }
            case .backslash:
                index += 1
                if index >= line.count { return line }
                lastSpace = nil
            default:
                lastSpace = nil
            }
            index += 1
        }
        if let lastSpace { return Array(line[..<lastSpace]) }
        return line
    }

    /// Whether the pattern matches `name` (the path relative to the ignore file's directory)
    /// whose last component starts at `basenameStart`.
    func matches(_ name: UnsafeBufferPointer<UInt8>, basenameStart: Int, isDirectory: Bool) -> Bool {
        if directoryOnly && !isDirectory { return false }
        return bytes.withUnsafeBufferPointer { pattern in
            switch strategy {
            case .exactName:
                return Self.equal(UnsafeBufferPointer(rebasing: name[basenameStart...]), pattern)
            case .nameSuffix:
                let suffixLength = pattern.count - 1
                guard name.count - basenameStart >= suffixLength else { return false }
                return Self.equal(UnsafeBufferPointer(rebasing: name[(name.count - suffixLength)...]),
                                  UnsafeBufferPointer(rebasing: pattern[1...]))
            case .nameGlob:
                return Wildmatch.matches(pattern, UnsafeBufferPointer(rebasing: name[basenameStart...]), pathname: false)
            case .path:
                guard literalPrefix <= name.count,
                      Self.equal(UnsafeBufferPointer(rebasing: name[..<literalPrefix]),
                                 UnsafeBufferPointer(rebasing: pattern[..<literalPrefix])) else { return false }
                if literalPrefix == pattern.count { return literalPrefix == name.count }
                return Wildmatch.matches(UnsafeBufferPointer(rebasing: pattern[literalPrefix...]),
                                         UnsafeBufferPointer(rebasing: name[literalPrefix...]), pathname: true)
            }
        }
    }

    private static func equal(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        guard left.count == right.count else { return false }
        guard let leftBase = left.baseAddress, let rightBase = right.baseAddress else { return left.count == 0 }
        return memcmp(leftBase, rightBase, left.count) == 0
    }
}
