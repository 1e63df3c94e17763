import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A container's processes, standing in for its cgroup: the main process and every
/// descendant seen so far (they may start sessions of their own, as AME's agent does),
/// so that memory is counted over all of them and a kill reaches all of them, also those
/// orphaned when the main process ended.
final class ContainerProcesses: @unchecked Sendable {
    let root: pid_t
    private let lock = NSLock()
    /// pid → start time, to tell a process from a later one with the same pid.
    private var known: [pid_t: UInt64] = [:]

    init(root: pid_t) {
        self.root = root
        if let entry = ProcessTable.entry(pid: root) { known[root] = entry.startTime }
    }

    /// The live processes of the container now (and remembers them); their memory in bytes.
    @discardableResult
    func sample() -> Int64 {
        let table = ProcessTable.all()
        var children: [pid_t: [ProcessTable.Entry]] = [:]
        for entry in table { children[entry.parent, default: []].append(entry) }
        let previous = lock.withLock { known }
        // The tree under the root, plus processes seen before that still live (orphans).
        var members: [pid_t: ProcessTable.Entry] = [:]
        var queue = table.filter { $0.pid == root || previous[$0.pid] == $0.startTime }
        while let entry = queue.popLast() {
            guard members[entry.pid] == nil else { continue }
            members[entry.pid] = entry
            queue += children[entry.pid] ?? []
        }
        lock.withLock {
            for (pid, entry) in members { known[pid] = entry.startTime }
        }
        return members.values.reduce(0) { $0 + $1.residentBytes }
    }

    /// The kubelet's SIGTERM: to the main process only.
    func terminate() {
        kill(root, SIGTERM)
    }

    /// SIGKILL to everything the container ran, as freezing and killing a cgroup does.
    func killAll() {
        sample()
        let members = lock.withLock { known }
        for (pid, start) in members where ProcessTable.entry(pid: pid)?.startTime == start {
            kill(pid, SIGKILL)
        }
    }
}
