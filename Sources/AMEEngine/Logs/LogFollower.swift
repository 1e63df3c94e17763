import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The state behind `LogStore.follow`: pulled one event at a time by the stream's consumer, so
/// a slow consumer holds back reading instead of piling events up in memory. Waits for the log
/// to appear, then for it to grow, until its `end` record.
actor LogFollower {
    private let runID: String
    private let path: String
    private let directoryPath: String
    private let monitor: LogChangeMonitor
    private let offset: Int64
    private var descriptor: Int32 = -1
    private var cursor: LogCursor?
    private var pending: [LogEvent] = []
    private var pendingIndex = 0
    private var watch: LogChangeMonitor.Watch?
    private var watchesDirectory = false
    /// Set once the monitor cannot help: poll instead.
    private var polling = false
    private var done = false

    static let pollInterval: UInt64 = 10_000_000
    static let batchBytes = 1 << 20

    init(runID: String, path: String, directoryPath: String, offset: Int64, monitor: LogChangeMonitor) {
        self.runID = runID
        self.path = path
        self.directoryPath = directoryPath
        self.offset = offset
        self.monitor = monitor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if let watch { monitor.unwatch(watch) }
    }

    /// The next event; nil after the `end` event or once the consuming task is cancelled.
    func next() async throws -> LogEvent? {
        do {
            while !done {
                if Task.isCancelled { break }
                if pendingIndex < pending.count {
                    let event = pending[pendingIndex]
                    pendingIndex += 1
                    if event.kind == .end { finish() }
                    return event
                }
                pending = []
                pendingIndex = 0
                if case .missing(let generation) = try openLog() {
                    await waitForChange(after: generation)
                    continue
                }
                startWatching(path, events: LogChangeMonitor.fileEvents, directory: false)
                let generation = watch.map { monitor.generation($0) } ?? 0
                guard var cursor else { continue }
                let events = try cursor.read(maxBytes: Self.batchBytes)
                self.cursor = cursor
                if !events.isEmpty {
                    pending = events
                    continue
                }
                if cursor.ended { break }
                if isDeleted() { throw LogStoreError.vanished(runID: runID) }
                await waitForChange(after: generation)
            }
        } catch {
            finish()
            throw error
        }
        finish()
        return nil
    }

    private enum OpenOutcome {
        case open
        /// Not created yet; wait for the directory to change after `generation`.
        case missing(generation: UInt64)
    }

    /// Opens the log if that has not happened yet.
    private func openLog() throws -> OpenOutcome {
        if cursor != nil { return .open }
        // Watch the directory before trying, so a log created right after the attempt still wakes us.
        if !watchesDirectory && !polling {
            let (descriptor, _) = POSIXIO.open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                try adopt(descriptor)
                return .open
            }
            startWatching(directoryPath, events: LogChangeMonitor.directoryEvents, directory: true)
        }
        let generation = watch.map { monitor.generation($0) } ?? 0
        let (descriptor, error) = POSIXIO.open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            try adopt(descriptor)
            return .open
        }
        guard error == ENOENT else { throw LogStoreError.io("open", path, error) }
        if offset > 0 { throw LogStoreError.offsetBeyondEnd(offset: offset, size: 0) }
        return .missing(generation: generation)
    }

    private func adopt(_ descriptor: Int32) throws {
        self.descriptor = descriptor
        cursor = try LogCursor(descriptor: descriptor, runID: runID, path: path, offset: offset)
    }

    private func startWatching(_ target: String, events: UInt32, directory: Bool) {
        guard !polling, watch == nil || watchesDirectory != directory else { return }
        if let watch { monitor.unwatch(watch) }
        watch = monitor.watch(path: target, events: events)
        watchesDirectory = directory && watch != nil
        if watch == nil { polling = true }
    }

    private func waitForChange(after generation: UInt64) async {
        if let watch, !polling {
            if await monitor.wait(watch, after: generation) { return }
            // The kernel dropped the watch; from now on, look every few milliseconds.
            monitor.unwatch(watch)
            self.watch = nil
            polling = true
        }
        try? await Task.sleep(nanoseconds: Self.pollInterval)
    }

    private func isDeleted() -> Bool {
        var info = stat()
        return fstat(descriptor, &info) == 0 && info.st_nlink == 0
    }

    /// Releases the file and the watch as soon as nothing more will be read.
    private func finish() {
        done = true
        pending = []
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        cursor = nil
        if let watch { monitor.unwatch(watch) }
        watch = nil
    }
}
