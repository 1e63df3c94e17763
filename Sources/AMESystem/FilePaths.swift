import Foundation

/// Paths as plain strings. Start-up code (`ame NAME` for a plugin, `ame run`) builds its
/// folders with these rather than with URL, whose path API costs a scan of the binary's
/// protocol conformances at its first use.
public enum FilePaths {
    /// `folder/name`, with one slash between them.
    public static func joined(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The folder holding `path` ("/" for an entry at the root, "" for a bare name), as
    /// NSString's `deletingLastPathComponent` gives it for a path without a trailing slash.
    public static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// An XDG base directory: `$variable` when it is an absolute path, else `$HOME/fallback`.
    public static func xdgBase(_ variable: String, fallback: String, environment: [String: String]) -> String {
        if let value = environment[variable], value.hasPrefix("/") { return value }
        return joined(environment["HOME"] ?? NSHomeDirectory(), fallback)
    }
}
