#if canImport(Glibc)
import Glibc
#endif

/// The parts of `stat` that scanning needs, read without following symbolic links.
struct FileStatus: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case file, directory, symlink
        /// Sockets, FIFOs and devices: never part of a project.
        case special(String)
    }

    var kind: Kind
    var size: Int64
    /// Nanoseconds since the epoch.
    var modificationTime: Int64
    var inode: UInt64
    var mode: UInt32

    /// Git's rule: the owner's execute bit decides.
    var isExecutable: Bool { mode & UInt32(S_IXUSR) != 0 }

    var stamp: FileStamp { FileStamp(size: size, modificationTime: modificationTime, inode: inode) }

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .special("a named pipe (FIFO)")
        case S_IFSOCK: kind = .special("a socket")
        case S_IFCHR: kind = .special("a character device")
        case S_IFBLK: kind = .special("a block device")
        default: kind = .special("of an unknown file type")
        }
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        inode = UInt64(info.st_ino)
        mode = UInt32(info.st_mode)
    }

    /// `fstatat(…, AT_SYMLINK_NOFOLLOW)`; the error is an `errno` value.
    static func of(_ name: String, in directory: Int32) -> Result<FileStatus, SystemCallError> {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return .failure(.current) }
        return .success(FileStatus(info))
    }

    static func of(descriptor: Int32) -> Result<FileStatus, SystemCallError> {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(.current) }
        return .success(FileStatus(info))
    }

    /// `lstat` of a path.
    static func of(path: String) -> Result<FileStatus, SystemCallError> {
        of(path, in: AT_FDCWD)
    }

    /// The wall clock in nanoseconds: the same clock file systems stamp `mtime` with.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
