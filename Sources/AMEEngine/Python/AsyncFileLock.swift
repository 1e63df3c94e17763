import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Takes a `FileLock` without blocking a thread of the async pool: `flock` is tried without
/// waiting, then again every 100 ms, so a task waiting for another process's build can be
/// cancelled like any other.
enum AsyncFileLock {
    static func acquire(path: String, whileWaiting: () -> Void) async throws -> FileLock {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PythonEnvironmentError.fileProblem(path: directory, reason: "the directory cannot be created")
        }
        // tryLock also says nil when the file cannot be opened; find that out now rather
        // than waiting forever for a lock that can never be taken.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw PythonEnvironmentError.fileProblem(path: path, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        if let lock = FileLock.tryLock(path: path) { return lock }
        whileWaiting()
        while true {
            try await Task.sleep(for: .milliseconds(100))
            if let lock = FileLock.tryLock(path: path) { return lock }
        }
    }
}
