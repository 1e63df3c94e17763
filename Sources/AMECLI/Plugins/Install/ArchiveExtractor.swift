import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes checked archive entries under a fresh folder. Files are created with `O_EXCL`
/// and `O_NOFOLLOW` and never writable by group or others, so even an entry the checks
/// missed could not follow a link out or leave a plugin that fails AME's own checks.
enum ArchiveExtractor {
    static func extract(_ archive: TarArchive, into root: URL) throws {
        let manager = FileManager.default
        for entry in archive.entries {
            let target = root.appendingPathComponent(entry.path)
            let parent = target.deletingLastPathComponent()
            try manager.createDirectory(at: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            switch entry.kind {
            case .directory:
                try manager.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            case .symlink(let destination):
                guard symlink(destination, target.path) == 0 else { throw failure(entry.path) }
            case .file(let data, let mode):
                // Keep the execute bits; drop setuid/setgid and every write bit but the owner's.
                let permissions = mode_t(mode & 0o755) | 0o600
                let descriptor = open(target.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
                guard descriptor >= 0 else { throw failure(entry.path) }
                defer { close(descriptor) }
                try data.withUnsafeBytes { buffer in
                    guard var pointer = buffer.baseAddress else { return }
                    var remaining = buffer.count
                    while remaining > 0 {
                        let written = write(descriptor, pointer, remaining)
                        if written < 0 {
                            if errno == EINTR { continue }
                            throw failure(entry.path)
                        }
                        remaining -= written
                        pointer += written
                    }
                }
                fchmod(descriptor, permissions)
            }
        }
    }

    static func failure(_ path: String) -> CLIError {
        CLIError("cannot extract '\(path)': \(String(cString: strerror(errno)))", hint: "check the free space and permissions of the AME data folder")
    }
}
