import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wakes log followers when a file they watch changes: one inotify instance and one thread per
/// log store (however many followers there are), running only while something is watched.
/// Waiting is async, so a follower never blocks a thread of the Swift concurrency pool.
///
/// A follower takes `generation` before it reads and waits `after` it, so a change that lands
/// between reading and waiting still wakes it. Waiters are also woken every second whatever
/// happens, as a safety net for events a file system does not report.
final class LogChangeMonitor: @unchecked Sendable {
    struct Watch: Hashable, Sendable {
        let descriptor: Int32
    }

    private struct WatchState {
        var references = 0
        var generation: UInt64 = 0
        /// The kernel dropped the watch (its file was deleted): it will report nothing more.
        var dropped = false
    }

    private struct Waiter {
        let watch: Int32
        let continuation: CheckedContinuation<Void, Never>
    }

    static let fileEvents = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)
    static let directoryEvents = UInt32(IN_CREATE | IN_MOVED_TO)
    /// How long the thread sleeps at most without an event (a safety net, not the mechanism).
    private let safetyIntervalMilliseconds: Int32

    private let inotifyDescriptor: Int32
    /// A pipe that wakes the thread when it may have to stop (read end, write end).
    private let wakeDescriptor: Int32
    private let wakeWriteDescriptor: Int32
    // Guards everything below.
    private let lock = NSLock()
    private var watches: [Int32: WatchState] = [:]
    private var waiters: [UInt64: Waiter] = [:]
    private var lastWaiterID: UInt64 = 0
    private var threadRunning = false

    init(safetyIntervalMilliseconds: Int32 = 1000) {
        self.safetyIntervalMilliseconds = safetyIntervalMilliseconds
        let inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        // A pipe rather than an eventfd: Swift's Glibc module does not declare eventfd.
        var ends: [Int32] = [-1, -1]
        if inotify >= 0 && pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            }
            inotifyDescriptor = inotify
        } else {
            if inotify >= 0 { close(inotify) }
            inotifyDescriptor = -1
        }
        wakeDescriptor = ends[0]
        wakeWriteDescriptor = ends[1]
    }

    deinit {
        for descriptor in [inotifyDescriptor, wakeDescriptor, wakeWriteDescriptor] where descriptor >= 0 {
            close(descriptor)
        }
    }

    /// Starts reporting changes of `path`; nil when that is impossible (no inotify, the watch
    /// limit reached, no such file), and the caller polls instead.
    func watch(path: String, events: UInt32) -> Watch? {
        guard inotifyDescriptor >= 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        // IN_MASK_ADD: another follower may watch the same inode with other events.
        let descriptor = inotify_add_watch(inotifyDescriptor, path, events | UInt32(IN_MASK_ADD))
        guard descriptor >= 0 else { return nil }
        var state = watches[descriptor] ?? WatchState()
        state.references += 1
        state.dropped = false
        watches[descriptor] = state
        if !threadRunning {
            threadRunning = true
            let thread = Thread { [self] in run() }
            thread.name = "ame-log-monitor"
            thread.stackSize = 256 << 10
            thread.start()
        }
        return Watch(descriptor: descriptor)
    }

    func unwatch(_ watch: Watch) {
        lock.lock()
        defer { lock.unlock() }
        guard var state = watches[watch.descriptor] else { return }
        state.references -= 1
        if state.references > 0 {
            watches[watch.descriptor] = state
            return
        }
        watches[watch.descriptor] = nil
        if !state.dropped { inotify_rm_watch(inotifyDescriptor, watch.descriptor) }
        signalThread()
    }

    func generation(_ watch: Watch) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return watches[watch.descriptor]?.generation ?? 0
    }

    /// Returns once the file changed after `generation` was taken, after at most about a
    /// second, or when the task is cancelled. False when the watch reports nothing any more
    /// (the caller should poll).
    func wait(_ watch: Watch, after generation: UInt64) async -> Bool {
        let id: UInt64 = {
            lock.lock()
            defer { lock.unlock() }
            lastWaiterID += 1
            return lastWaiterID
        }()
        var alive = true
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                lock.lock()
                let state = watches[watch.descriptor]
                alive = state.map { !$0.dropped } ?? false
                // Checked under the lock that onCancel takes, so a cancellation is never missed.
                if Task.isCancelled || !alive || state?.generation != generation {
                    lock.unlock()
                    continuation.resume()
                    return
                }
                waiters[id] = Waiter(watch: watch.descriptor, continuation: continuation)
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let waiter = waiters.removeValue(forKey: id)
            lock.unlock()
            waiter?.continuation.resume()
        }
        return alive
    }

    private func signalThread() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWriteDescriptor, &byte, 1)
    }

    /// The thread: poll, note which watches changed, wake their waiters; stop when idle.
    private func run() {
        let bufferSize = 64 << 10
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { buffer.deallocate() }
        var descriptors = [
            pollfd(fd: inotifyDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&descriptors, 2, safetyIntervalMilliseconds)
            var changed = Set<Int32>()
            var dropped = Set<Int32>()
            var everything = ready == 0
            if ready > 0 && descriptors[0].revents != 0 {
                everything = Self.drainEvents(inotifyDescriptor, buffer: buffer, changed: &changed, dropped: &dropped) || everything
            }
            if ready > 0 && descriptors[1].revents != 0 {
                var bytes = (UInt64(0), UInt64(0))
                _ = withUnsafeMutableBytes(of: &bytes) { Glibc.read(wakeDescriptor, $0.baseAddress, $0.count) }
            }
            lock.lock()
            if everything { changed = Set(watches.keys) }
            for descriptor in changed { watches[descriptor]?.generation &+= 1 }
            for descriptor in dropped { watches[descriptor]?.dropped = true }
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in waiters where everything || changed.contains(waiter.watch) {
                waiters[id] = nil
                woken.append(waiter.continuation)
            }
            let idle = watches.isEmpty && waiters.isEmpty
            if idle { threadRunning = false }
            lock.unlock()
            for continuation in woken { continuation.resume() }
            if idle { return }
        }
    }

    /// Reads every queued inotify event. True when the queue overflowed (so anything may have changed).
    private static func drainEvents(_ descriptor: Int32, buffer: UnsafeMutableRawBufferPointer, changed: inout Set<Int32>, dropped: inout Set<Int32>) -> Bool {
        var overflowed = false
        let headerSize = MemoryLayout<inotify_event>.size
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return overflowed }
            var offset = 0
            while offset + headerSize <= count {
                let event = buffer.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    overflowed = true
                } else {
                    changed.insert(event.wd)
                    if event.mask & UInt32(IN_IGNORED) != 0 { dropped.insert(event.wd) }
                }
                offset += headerSize + Int(event.len)
            }
        }
    }
}
