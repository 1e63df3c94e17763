import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `/proc` says about running processes: which belong to a session, how much memory
/// they hold, and when a process started (to tell a pid from its reuse).
public enum ProcessTable {
    public struct Entry: Sendable {
        public var pid: pid_t
        public var parent: pid_t
        public var processGroup: pid_t
        public var session: pid_t
        /// Resident memory in bytes.
        public var residentBytes: Int64
        /// Clock ticks since boot when the process started.
        public var startTime: UInt64
    }

    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Parses `/proc/PID/stat`; the command name may contain spaces and parentheses, so
    /// fields are counted from the last ')'.
    public static func entry(pid: pid_t) -> Entry? {
        guard let stat = readSmallFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: UInt8(ascii: " "))
        // fields[0] is the state (field 3 of stat(5)).
        guard fields.count > 21 else { return nil }
        func int(_ index: Int) -> Int64 { Int64(String(decoding: fields[index], as: UTF8.self)) ?? 0 }
        return Entry(pid: pid, parent: pid_t(int(1)), processGroup: pid_t(int(2)), session: pid_t(int(3)),
                     residentBytes: int(21) * pageSize, startTime: UInt64(int(19)))
    }

    /// Every live process, read from `/proc`.
    public static func all() -> [Entry] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var entries: [Entry] = []
        while let item = readdir(directory) {
            let name = withUnsafePointer(to: item.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let pid = pid_t(name), let entry = entry(pid: pid) else { continue }
            entries.append(entry)
        }
        return entries
    }

    /// Processes in `session` (a run's processes all live in the session its first
    /// process created), and every process descended from one of them that started a
    /// session of its own (a Jupyter kernel does): the run's whole process tree.
    public static func members(ofSession session: pid_t) -> [Entry] {
        let everything = all()
        var inTree = Set(everything.lazy.filter { $0.session == session }.map(\.pid))
        guard !inTree.isEmpty else { return [] }
        var children: [pid_t: [pid_t]] = [:]
        for entry in everything { children[entry.parent, default: []].append(entry.pid) }
        var pending = Array(inTree)
        while let pid = pending.popLast() {
            for child in children[pid] ?? [] where inTree.insert(child).inserted {
                pending.append(child)
            }
        }
        return everything.filter { inTree.contains($0.pid) }
    }

    /// Resident memory of the whole session, in bytes.
    public static func residentBytes(ofSession session: pid_t) -> Int64 {
        members(ofSession: session).reduce(0) { $0 + $1.residentBytes }
    }

    /// Whether `pid` is alive and is the same process that started at `startTime`.
    public static func isAlive(pid: pid_t, startTime: UInt64?) -> Bool {
        guard pid > 0, let entry = entry(pid: pid) else { return false }
        if let startTime, entry.startTime != startTime { return false }
        // A zombie has ended.
        if let stat = readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")),
           stat.index(close, offsetBy: 2) < stat.endIndex, stat[stat.index(close, offsetBy: 2)] == UInt8(ascii: "Z") {
            return false
        }
        return true
    }

    /// SIGKILLs every process in `session`.
    public static func killSession(_ session: pid_t, signal: Int32 = SIGKILL) {
        guard session > 1 else { return }
        kill(-session, signal)
        for member in members(ofSession: session) { kill(member.pid, signal) }
    }

    static func readSmallFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 2048) }
        guard count > 0 else { return nil }
        return Array(buffer[0..<count])
    }
}
