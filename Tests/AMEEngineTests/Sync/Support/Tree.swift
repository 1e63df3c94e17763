import Foundation

/// Builds small directory trees for tests: files, directories and ignore files from a spec.
struct Tree {
    let root: URL

    /// Creates every path in `paths`: a trailing `/` makes a directory, anything else a file
    /// (with its path as content unless `contents` says otherwise).
    func create(_ paths: [String], contents: [String: String] = [:]) throws {
        let manager = FileManager.default
        for path in paths {
            let url = root.appendingPathComponent(path)
            if path.hasSuffix("/") {
                try manager.createDirectory(at: url, withIntermediateDirectories: true)
            } else {
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data((contents[path] ?? path).utf8).write(to: url)
            }
        }
        for (path, text) in contents where !paths.contains(path) {
            let url = root.appendingPathComponent(path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    /// Every file and directory below the root (relative, directories without a trailing
    /// slash), except `.git`.
    func allPaths() throws -> [(path: String, isDirectory: Bool)] {
        var result: [(String, Bool)] = []
        func visit(_ relative: String) throws {
            let url = relative.isEmpty ? root : root.appendingPathComponent(relative)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where name != ".git" {
                let path = relative.isEmpty ? name : relative + "/" + name
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
                let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)
                let isRealDirectory = isDirectory.boolValue && (attributes[.type] as? FileAttributeType) == .typeDirectory
                result.append((path, isRealDirectory))
                if isRealDirectory { try visit(path) }
            }
        }
        try visit("")
        return result
    }
}
