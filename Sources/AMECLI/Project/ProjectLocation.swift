import AMECore
import Foundation

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
        var candidate = context.workingDirectory.standardizedFileURL
        while true {
            let file = candidate.appendingPathComponent(ProjectFile.fileName)
            if FileManager.default.fileExists(atPath: file.path) {
                return ProjectLocation(directory: candidate, file: file)
            }
            let parent = candidate.deletingLastPathComponent()
            if parent.path == candidate.path { break }
            candidate = parent
        }
        let here = context.workingDirectory.standardizedFileURL
        return ProjectLocation(directory: here, file: here.appendingPathComponent(ProjectFile.fileName))
    }
}
