import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Interpreter versions remembered on disk (`python-versions.tsv` in the cache folder),
/// keyed by the binary's path, size, mtime and inode: a changed binary is asked again.
final class InterpreterVersionCache: @unchecked Sendable {
    private let file: URL?
    private let lock = NSLock()
    private var entries: [String: (key: String, version: String)] = [:]
    private var changed = false

    init(directory: URL?) {
        file = directory?.appendingPathComponent("python-versions.tsv")
        guard let file, let text = try? String(contentsOf: file, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, PythonVersion(fields[2]) != nil else { continue }
            entries[fields[0]] = (fields[1], fields[2])
        }
    }

    static func identity(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
    }

    func version(of path: String) -> String? {
        guard file != nil, let identity = Self.identity(of: path) else { return nil }
        return lock.withLock { entries[path].flatMap { $0.key == identity ? $0.version : nil } }
    }

    func record(_ version: String, for path: String) {
        guard file != nil, let identity = Self.identity(of: path) else { return }
        lock.withLock {
            entries[path] = (identity, version)
            changed = true
        }
    }

    func save() {
        guard let file else { return }
        let text: String? = lock.withLock {
            guard changed else { return nil }
            return entries.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value.key)\t\($0.value.version)\n" }.joined()
        }
        guard let text else { return }
        try? AtomicFile.write(Data(text.utf8), to: file)
    }
}
