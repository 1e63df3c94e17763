import AMECore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Walks a directory tree with `openat`/`readdir`/`fstatat`, applying ignore rules on the way
/// down, never following a symbolic link and never entering an ignored directory.
///
/// Directories are opened relative to their parent's descriptor with `O_NOFOLLOW`, so a
/// directory swapped for a symlink during the walk is not entered either. At most one
/// descriptor per level of depth is open at a time.
struct DirectoryWalker {
    /// A non-directory entry that is not ignored.
    struct Entry {
        /// Relative to the root, `/`-separated, and always acceptable to
        /// `Manifest.problem(with:)`: it is joined from `readdir` names, which are never empty
        /// and never hold `/` or NUL, with `.` and `..` left out. (Checked by an assertion
        /// rather than in release builds: splitting every path costs a sixth of a warm scan.)
        var path: String
        var status: FileStatus
        /// For symbolic links: the link's text (nil when it is not UTF-8).
        var symlinkTarget: String?
    }

    let root: URL
    let rules: IgnoreRules

    /// Calls `visit` for every file, symlink and special file that is not ignored, in `readdir`
    /// order (callers sort what they keep). `shouldDescend` can prune directories (relative
    /// path) that cannot hold anything of interest. Returns warnings about skipped entries.
    func walk(shouldDescend: (String) -> Bool = { _ in true }, visit: (Entry) throws -> Void) throws -> [String] {
        let descriptor = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SyncError.notADirectory(path: root.path, reason: SystemCallError.current.text)
        }
        var warnings: [String] = []
        try walkDirectory(descriptor, relative: "", chain: [], shouldDescend: shouldDescend, visit: visit, warnings: &warnings)
        return warnings
    }

    private func walkDirectory(
        _ descriptor: Int32, relative: String, chain parentChain: [IgnoreRules.PatternList],
        shouldDescend: (String) -> Bool, visit: (Entry) throws -> Void, warnings: inout [String]
    ) throws {
        guard let stream = fdopendir(descriptor) else {
            let error = SystemCallError.current
            close(descriptor)
            throw SyncError.cannotList(path: relative.isEmpty ? "." : relative, reason: error.text)
        }
        defer { closedir(stream) }
        var chain = parentChain
        let list = try rules.readPatterns(directory: relative, descriptor: descriptor)
        if !list.patterns.isEmpty { chain.append(list) }

        for (name, type) in try Self.names(in: stream, relative: relative, warnings: &warnings) {
            let path = relative.isEmpty ? name : relative + "/" + name
            var status: FileStatus?
            var isDirectory = type == DT_DIR
            if type == DT_UNKNOWN {
                // Some file systems do not say in `readdir`; ask before deciding on ignoring.
                guard let found = try Self.status(name, in: descriptor, path: path) else { continue }
                status = found
                isDirectory = found.kind == .directory
            }
            // Ignored entries are never stat'ed: cheaper, and an unreadable one cannot fail the walk.
            if rules.isExcluded(path: path, isDirectory: isDirectory, chain: chain) { continue }
            if isDirectory {
                guard shouldDescend(path) else { continue }
                let child = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else {
                    let error = SystemCallError.current
                    // Replaced by a non-directory since it was listed (or removed): skip it.
                    if error.code == ENOENT || error.code == ENOTDIR || error.code == ELOOP { continue }
                    throw SyncError.cannotList(path: path, reason: error.text)
                }
                try walkDirectory(child, relative: path, chain: chain, shouldDescend: shouldDescend, visit: visit, warnings: &warnings)
                continue
            }
            if status == nil { status = try Self.status(name, in: descriptor, path: path) }
            // Gone, or turned into a directory after it was judged as a file: leave it out.
            guard let status, status.kind != .directory else { continue }
            if path.utf8.count > Manifest.maxPathBytes {
                throw SyncError.cannotRead(path: path, reason: "its path is longer than \(Manifest.maxPathBytes) bytes, more than a run's workspace can hold (list it in .ameignore)")
            }
            assert(Manifest.problem(with: path) == nil, "walker produced an invalid manifest path '\(path)'")
            var entry = Entry(path: path, status: status, symlinkTarget: nil)
            if status.kind == .symlink {
                entry.symlinkTarget = Self.readLink(name, in: descriptor)
            }
            try visit(entry)
        }
    }

    /// `fstatat` without following links; nil when the entry has disappeared since it was listed.
    private static func status(_ name: String, in directory: Int32, path: String) throws -> FileStatus? {
        switch FileStatus.of(name, in: directory) {
        case .success(let found): return found
        case .failure(let error) where error.code == ENOENT: return nil
        case .failure(let error): throw SyncError.cannotRead(path: path, reason: error.text)
        }
    }

    /// The entries of a directory (without `.` and `..`), in `readdir` order. Names that are
    /// not UTF-8 cannot be written into a manifest: they are skipped with a warning.
    private static func names(in stream: OpaquePointer, relative: String, warnings: inout [String]) throws -> [(String, UInt8)] {
        var names: [(String, UInt8)] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw SyncError.cannotList(path: relative.isEmpty ? "." : relative, reason: SystemCallError.current.text) }
                break
            }
            let type = entry.pointee.d_type
            let decoded: (name: String?, lossy: String?) = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { pointer in
                    if let name = String(validatingCString: pointer) { return (name, nil) }
                    return (nil, String(cString: pointer))
                }
            }
            guard let name = decoded.name else {
                let lossy = decoded.lossy ?? "?"
                let shown = relative.isEmpty ? lossy : relative + "/" + lossy
                warnings.append("skipped '\(shown)': its name is not valid UTF-8; rename it to include it")
                continue
            }
            if name == "." || name == ".." { continue }
            names.append((name, type))
        }
        return names
    }

    /// The text of a symbolic link, nil when it cannot be read or is not UTF-8.
    static func readLink(_ name: String, in directory: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(directory, name, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        buffer[count] = 0
        return buffer.withUnsafeBufferPointer { $0.baseAddress.flatMap { String(validatingCString: $0) } }
    }
}
