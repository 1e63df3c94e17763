import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The folders searched for `ame-<name>` executables, first match wins:
/// `$AME_PLUGIN_PATH`, the installed-plugins folder, the folder of the `ame` binary, its
/// `../libexec/ame` (an installed AME's first-party plugins), then `$PATH`. Relative entries are skipped (they would make the result depend on the working
/// directory, and a planted `./ame-x` would run), missing folders are dropped, and a
/// folder reached twice (a duplicate entry, a trailing slash, a symlinked alias) counts
/// once, at its first place.
public enum PluginSearchPath {
    public static func directories(environment: [String: String], executablePath: String) -> [PluginSearchDirectory] {
        if environment["AME_NO_PLUGINS"] == "1" { return [] }
        var ordered: [PluginSearchDirectory] = []
        func split(_ list: String?) -> [String] {
            (list ?? "").split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        }
        for entry in split(environment["AME_PLUGIN_PATH"]) {
            ordered.append(PluginSearchDirectory(path: entry, source: .pluginPath))
        }
        ordered.append(PluginSearchDirectory(path: installedPath(environment: environment), source: .installed))
        if executablePath.hasPrefix("/") {
            let folder = FilePaths.parent(executablePath)
            ordered.append(PluginSearchDirectory(path: folder, source: .ameDirectory))
            ordered.append(PluginSearchDirectory(path: FilePaths.parent(folder) + "/libexec/ame", source: .ameLibexec))
        }
        for entry in split(environment["PATH"]) {
            ordered.append(PluginSearchDirectory(path: entry, source: .path))
        }

        var seen = Set<String>()
        var result: [PluginSearchDirectory] = []
        for directory in ordered where directory.path.hasPrefix("/") {
            guard let real = realPath(directory.path), isDirectory(real) else { continue }
            guard seen.insert(real).inserted else { continue }
            result.append(PluginSearchDirectory(path: trimmed(directory.path), source: directory.source))
        }
        return result
    }

    /// `$XDG_DATA_HOME/ame/plugins`: what `ame plugin install` manages.
    public static func installedDirectory(environment: [String: String]) -> URL {
        URL(fileURLWithPath: installedPath(environment: environment), isDirectory: true)
    }

    /// `installedDirectory` as a path, without URL's API (see `FilePaths`).
    static func installedPath(environment: [String: String]) -> String {
        AMEDirectories.installedPlugins(environment: environment)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
