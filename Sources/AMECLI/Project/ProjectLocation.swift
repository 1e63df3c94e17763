import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the project is: its directory and its `ame.yaml`.
public struct ProjectLocation: Sendable {
    public var directory: URL
    public var file: URL

    /// The path to show in messages: relative to the working directory when inside it.
    public func displayPath(relativeTo base: URL) -> String {
        let basePath = base.standardizedFileURL.path
        let path = file.standardizedFileURL.path
        if path.hasPrefix(basePath + "/") { return String(path.dropFirst(basePath.count + 1)) }
        return path
    }

    /// `--file` wins, then `--dir`, then the nearest `ame.yaml` in the working directory or
    /// a parent of it (as git finds its repository).
    public static func find(file: String?, directory: String?, context: CommandContext) throws -> ProjectLocation {
        if let file {
            let url = context.resolve(file)
            return ProjectLocation(directory: url.deletingLastPathComponent(), file: url)
        }
        if let directory {
            let url = context.resolve(directory)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("no such directory: \(directory)")
            }
            return ProjectLocation(directory: url, file: url.appendingPathComponent(ProjectFile.fileName))
        }
        let here = context.workingDirectory.standardizedFileURL.path
        let directory = nearestProjectDirectory(from: here) ?? here
        return ProjectLocation(directory: URL(fileURLWithPath: directory, isDirectory: true),
                               file: URL(fileURLWithPath: Self.file(in: directory), isDirectory: false))
    }

    /// The nearest folder, from `path` (absolute, standardized) up, that holds `ame.yaml`.
    /// On paths rather than URLs: every plugin session asks this at its start, and URL's
    /// path API costs a scan of the binary's conformances at first use.
    public static func nearestProjectDirectory(from path: String) -> String? {
        var candidate = path
        while true {
            var info = stat()
            if stat(file(in: candidate), &info) == 0 { return candidate }
            guard candidate != "/", candidate.contains("/") else { return nil }
            candidate = FilePaths.parent(candidate)
        }
    }

    static func file(in directory: String) -> String {
        FilePaths.joined(directory, ProjectFile.fileName)
    }
}
