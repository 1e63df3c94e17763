import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct LogStoreTests {
    let scratch: TemporaryDirectory
    let store: LogStore

    init() throws {
        scratch = try TemporaryDirectory(prefix: "ame-logs")
        store = try LogStore(directory: scratch.file("logs"))
    }

    struct Written: Equatable {
        var offset: Int64
        var kind: LogEvent.Kind
        var step: String?
        var data: Data
    }

    /// Appends a varied set of records and returns what each was.
    func writeSample(_ runID: String, count: Int = 40, seed: UInt64 = 1) throws -> [Written] {
        let writer = try store.writer(for: runID)
        var generator = SplitMix64(seed: seed)
        let kinds: [LogEvent.Kind] = [.stdout, .stderr, .system, .setup]
        let steps: [String?] = [nil, "train", "evaluate"]
        var written: [Written] = []
        for index in 0..<count {
            let size = Int(generator.next() % 3000)
            let data = Data((0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            let kind = kinds[index % kinds.count]
            let step = steps[index % steps.count]
            let offset = try writer.append(kind, step: step, data: data)
            written.append(Written(offset: offset, kind: kind, step: step, data: data))
        }
        return written
    }

    func readAll(_ runID: String, from offset: Int64 = 0, maxBytes: Int = 1 << 20) throws -> (events: [LogEvent], ended: Bool) {
        var events: [LogEvent] = []
        var next = offset
        while true {
            let chunk = try store.read(runID: runID, from: next, maxBytes: maxBytes)
            events += chunk.events
            #expect(chunk.next == chunk.events.last?.next ?? next)
            next = chunk.next
            if chunk.events.isEmpty || chunk.ended { return (events, chunk.ended) }
        }
    }

    func logPath(_ runID: String) -> String {
        scratch.file("logs/\(runID).log").path
    }

    /// How many descriptors of this process are open on `path`.
    func descriptors(openOn path: String) -> Int {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")) == real
        }.count
    }

    // MARK: - Reading and resuming

    @Test func resumingFromAnyOffsetLosesAndRepeatsNothing() throws {
        let written = try writeSample("run-1")
        try store.writer(for: "run-1").end(exitCode: 3)

        let (events, ended) = try readAll("run-1")
        #expect(ended)
        #expect(events.count == written.count + 1)
        #expect(events.first?.offset == 0)
        for (event, expected) in zip(events, written) {
            #expect(event.offset == expected.offset)
            #expect(event.kind == expected.kind)
            #expect(event.step == expected.step)
            #expect(event.data == expected.data)
            #expect(event.exitCode == nil)
            #expect(abs(event.time.timeIntervalSinceNow) < 60)
        }
        let end = try #require(events.last)
        #expect(end.kind == .end && end.exitCode == 3 && end.data.isEmpty)
        #expect(end.next == store.size(runID: "run-1"))
        for index in 1..<events.count {
            #expect(events[index].offset == events[index - 1].next)
        }

        for index in events.indices {
            #expect(try readAll("run-1", from: events[index].offset).events == Array(events[index...]))
            #expect(try readAll("run-1", from: events[index].next).events == Array(events[(index + 1)...]))
        }
        // One record per read with a tiny budget; the same events all the same.
        #expect(try readAll("run-1", maxBytes: 1).events == events)
        let single = try store.read(runID: "run-1", from: 0, maxBytes: 1)
        #expect(single.events.count == 1 && !single.ended)

        let atEnd = try store.read(runID: "run-1", from: end.next)
        #expect(atEnd.events.isEmpty && atEnd.ended && atEnd.next == end.next)
    }

    @Test func invalidOffsetsAreClearErrors() throws {
        let writer = try store.writer(for: "offsets")
        try writer.append(.stdout, step: nil, data: Data("hello".utf8))
        let second = try writer.append(.stdout, step: "s", data: Data("world".utf8))
        let end = writer.size

        for offset in [1, 10, 24, second - 1, second + 3] as [Int64] {
            #expect(throws: LogStoreError.notRecordStart(offset: offset)) {
                try store.read(runID: "offsets", from: offset)
            }
        }
        #expect(LogStoreError.notRecordStart(offset: 7).description == "offset 7 is not the start of a log record; use an offset that ame printed or 0")
        #expect(throws: LogStoreError.notRecordStart(offset: -1)) { try store.read(runID: "offsets", from: -1) }
        #expect(throws: LogStoreError.offsetBeyondEnd(offset: end + 1, size: end)) {
            try store.read(runID: "offsets", from: end + 1)
        }
        let nothingYet = try store.read(runID: "offsets", from: end)
        #expect(nothingYet == LogChunk(events: [], next: end, ended: false))
        #expect(try store.read(runID: "offsets", from: second).events.map(\.text) == ["world"])

        // A log that does not exist yet is empty.
        #expect(try store.read(runID: "not-started", from: 0) == LogChunk(events: [], next: 0, ended: false))
        #expect(throws: LogStoreError.offsetBeyondEnd(offset: 5, size: 0)) { try store.read(runID: "not-started", from: 5) }
    }

    @Test func followRejectsAnInvalidOffset() async throws {
        try store.writer(for: "bad-follow").append(.stdout, step: nil, data: Data("hello".utf8))
        await #expect(throws: LogStoreError.notRecordStart(offset: 3)) {
            for try await _ in store.follow(runID: "bad-follow", from: 3) {}
        }
    }

    @Test func invalidRunIDsAreRefused() async throws {
        for runID in ["", "../escape", "a/b", "a.b", "run id", "ünïcode", String(repeating: "x", count: 300)] {
            #expect(throws: LogStoreError.invalidRunID(runID)) { try store.writer(for: runID) }
            #expect(throws: LogStoreError.invalidRunID(runID)) { try store.read(runID: runID, from: 0) }
            await #expect(throws: LogStoreError.invalidRunID(runID)) {
                for try await _ in store.follow(runID: runID, from: 0) {}
            }
            #expect(store.size(runID: runID) == 0)
            store.delete(runID: runID)
        }
        #expect(try store.writer(for: "Run_2024-01-01_abc").size == 0)
    }

    // MARK: - Record contents

    @Test func largeDataIsSplitIntoRecords() throws {
        let writer = try store.writer(for: "large")
        try writer.append(.system, step: nil, data: Data("first".utf8))
        var generator = SplitMix64(seed: 9)
        let data = Data((0..<(3 << 20) + (1 << 19)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        let offset = try writer.append(.stdout, step: "big", data: data)
        try writer.end(exitCode: 0)

        let events = try readAll("large", from: offset).events
        #expect(events.first?.offset == offset)
        let pieces = events.filter { $0.kind == .stdout }
        #expect(pieces.map(\.data.count) == [1 << 20, 1 << 20, 1 << 20, 1 << 19])
        #expect(pieces.allSatisfy { $0.step == "big" })
        #expect(pieces.reduce(into: Data()) { $0.append($1.data) } == data)
        // A 1 MiB budget returns one of those records at a time.
        #expect(try store.read(runID: "large", from: offset, maxBytes: 1 << 20).events.count == 1)
    }

    @Test func bytesArePreservedExactly() throws {
        let writer = try store.writer(for: "binary")
        let everyByte = Data((0...255).map { UInt8($0) })
        let invalidUTF8 = Data([0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, 0xFF, 0xFE, 0x00, 0x0A])
        try writer.append(.stdout, step: "étape-✓", data: everyByte)
        try writer.append(.stderr, step: nil, data: invalidUTF8)
        try writer.append(.stdout, step: nil, data: Data())
        let events = try readAll("binary").events
        #expect(events.map(\.data) == [everyByte, invalidUTF8, Data()])
        #expect(events.first?.step == "étape-✓")
        #expect(events.map(\.kind) == [.stdout, .stderr, .stdout])
    }

    @Test func longStepNamesAreShortenedAtACharacterBoundary() throws {
        let writer = try store.writer(for: "long-step")
        let step = String(repeating: "é", count: 200)  // 400 bytes
        try writer.append(.stdout, step: step, data: Data("x".utf8))
        let event = try #require(try store.read(runID: "long-step", from: 0).events.first)
        #expect(event.step == String(repeating: "é", count: 127))
    }

    // MARK: - Writers

    @Test func concurrentWritersInterleaveWholeRecords() async throws {
        let writer = try store.writer(for: "pipeline")
        #expect(try store.writer(for: "pipeline") === writer)
        let tasks = 8
        let lines = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for line in 0..<lines {
                        let data = Data("step \(task) line \(line)\n".utf8)
                        try writer.append(task.isMultiple(of: 2) ? .stdout : .stderr, step: "step-\(task)", data: data)
                    }
                }
            }
            try await group.waitForAll()
        }
        try writer.end(exitCode: 0)
        let events = try readAll("pipeline").events
        #expect(events.count == tasks * lines + 1)
        for task in 0..<tasks {
            let texts = events.filter { $0.step == "step-\(task)" }.map(\.text)
            #expect(texts == (0..<lines).map { "step \(task) line \($0)\n" })
        }
    }

    @Test func nothingFollowsTheEnd() throws {
        let writer = try store.writer(for: "ended")
        try writer.append(.stdout, step: nil, data: Data("done".utf8))
        try writer.end(exitCode: -9)
        #expect(writer.hasEnded)
        #expect(throws: LogStoreError.ended(runID: "ended")) { try writer.append(.stdout, step: nil, data: Data("late".utf8)) }
        #expect(throws: LogStoreError.ended(runID: "ended")) { try writer.end(exitCode: 0) }
        #expect(throws: LogStoreError.endThroughAppend) {
            try store.writer(for: "other").append(.end, step: nil, data: Data())
        }
        writer.close()
        #expect(throws: LogStoreError.writerClosed(runID: "ended")) { try writer.append(.stdout, step: nil, data: Data()) }

        // After a restart the log is still known to have ended.
        let restarted = try LogStore(directory: scratch.file("logs"))
        let reopened = try restarted.writer(for: "ended")
        #expect(reopened !== writer)
        #expect(reopened.hasEnded)
        #expect(throws: LogStoreError.ended(runID: "ended")) { try reopened.append(.stdout, step: nil, data: Data("x".utf8)) }
        let events = try readAll("ended").events
        #expect(events.last?.exitCode == -9)
        #expect(try store.read(runID: "ended", from: events.last?.next ?? 0).ended)
    }

    @Test func anotherProcessWritingIsReported() throws {
        let path = logPath("busy")
        let descriptor = open(path, O_RDWR | O_CREAT, 0o600)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        // flock conflicts between open files even within one process, as with another process.
        #expect(flock(descriptor, LOCK_EX) == 0)
        #expect(throws: LogStoreError.busy(runID: "busy")) { try store.writer(for: "busy") }
        flock(descriptor, LOCK_UN)
        #expect(try store.writer(for: "busy").size == 0)
    }

    // MARK: - Crashes

    /// The raw bytes of a record, taken from a real log.
    func recordBytes(data: Data, end exitCode: Int32? = nil) throws -> Data {
        let donor = "donor-\(UUID().uuidString.prefix(8))"
        let writer = try store.writer(for: donor)
        if let exitCode {
            try writer.end(exitCode: exitCode)
        } else {
            try writer.append(.stdout, step: nil, data: data)
        }
        writer.close()
        defer { store.delete(runID: donor) }
        return try Data(contentsOf: URL(fileURLWithPath: logPath(donor)))
    }

    @Test func aPartialLastRecordIsNotThereYetAndIsDroppedOnReopen() async throws {
        let writer = try store.writer(for: "crashed")
        try writer.append(.stdout, step: nil, data: Data("one".utf8))
        try writer.append(.stdout, step: nil, data: Data("two".utf8))
        let complete = writer.size
        writer.close()

        // A writer died in the middle of a record: header and some of its 100 bytes of data.
        let record = try recordBytes(data: Data(repeating: 0x41, count: 100))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath("crashed")))
        try handle.seekToEnd()
        try handle.write(contentsOf: record.prefix(40))
        try handle.close()
        #expect(store.size(runID: "crashed") == complete + 40)

        let chunk = try store.read(runID: "crashed", from: 0)
        #expect(chunk.events.map(\.text) == ["one", "two"])
        #expect(chunk.next == complete && !chunk.ended)
        #expect(try store.read(runID: "crashed", from: complete).events.isEmpty)

        var follower = store.follow(runID: "crashed", from: 0).makeAsyncIterator()
        #expect(try await follower.next()?.text == "one")
        #expect(try await follower.next()?.text == "two")

        // The restarted writer cuts the partial record off and carries on where it began.
        let restarted = try LogStore(directory: scratch.file("logs")).writer(for: "crashed")
        #expect(restarted.size == complete)
        #expect(store.size(runID: "crashed") == complete)
        #expect(try restarted.append(.stdout, step: nil, data: Data("three".utf8)) == complete)
        try restarted.end(exitCode: 1)
        let third = try await follower.next()
        #expect(third?.text == "three" && third?.offset == complete)
        #expect(try await follower.next()?.exitCode == 1)
        #expect(try await follower.next() == nil)
    }

    @Test func aPartialHeaderIsNotThereYet() throws {
        let writer = try store.writer(for: "torn")
        try writer.append(.stdout, step: nil, data: Data("whole".utf8))
        let complete = writer.size
        writer.close()
        let record = try recordBytes(data: Data("next".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath("torn")))
        try handle.seekToEnd()
        try handle.write(contentsOf: record.prefix(10))
        try handle.close()
        #expect(try store.read(runID: "torn", from: 0).events.map(\.text) == ["whole"])
        #expect(try store.read(runID: "torn", from: complete).events.isEmpty)
    }

    @Test func outputThatLooksLikeAnEndRecordIsNotAnEnd() throws {
        let forged = try recordBytes(data: Data(), end: 0)
        #expect(forged.count == 28)
        let writer = try store.writer(for: "forged")
        try writer.append(.stdout, step: nil, data: forged)
        let size = writer.size
        let atEnd = try store.read(runID: "forged", from: size)
        #expect(atEnd.events.isEmpty && !atEnd.ended)
        let all = try store.read(runID: "forged", from: 0)
        #expect(all.events.map(\.data) == [forged] && !all.ended)
        // And the writer, reopened, does not take it for an end either.
        writer.close()
        #expect(try LogStore(directory: scratch.file("logs")).writer(for: "forged").hasEnded == false)
    }

    // MARK: - Following

    @Test func followSeesNewRecordsAndFinishesAtTheEnd() async throws {
        let writer = try store.writer(for: "live")
        try writer.append(.stdout, step: nil, data: Data("before".utf8))
        var follower = store.follow(runID: "live", from: 0).makeAsyncIterator()
        #expect(try await follower.next()?.text == "before")

        let late = Task {
            try await Task.sleep(for: .milliseconds(100))
            try writer.append(.stderr, step: "train", data: Data("after".utf8))
            try await Task.sleep(for: .milliseconds(50))
            try writer.append(.stdout, step: "train", data: Data("later".utf8))
            try writer.end(exitCode: 7)
        }
        let after = try await follower.next()
        #expect(after?.text == "after" && after?.kind == .stderr && after?.step == "train")
        #expect(try await follower.next()?.text == "later")
        let end = try await follower.next()
        #expect(end?.kind == .end && end?.exitCode == 7)
        #expect(try await follower.next() == nil)
        try await late.value
    }

    @Test func followFromAnOffsetAndFromTheEnd() async throws {
        let written = try writeSample("resume", count: 10)
        try store.writer(for: "resume").end(exitCode: 0)
        let all = try readAll("resume").events
        var followed: [LogEvent] = []
        for try await event in store.follow(runID: "resume", from: written[4].offset) { followed.append(event) }
        #expect(followed == Array(all[4...]))

        // Attaching after the end finishes at once.
        let end = try #require(all.last).next
        var after: [LogEvent] = []
        for try await event in store.follow(runID: "resume", from: end) { after.append(event) }
        #expect(after.isEmpty)
    }

    @Test func followWaitsForTheLogToAppear() async throws {
        let store = self.store
        let producer = Task {
            try await Task.sleep(for: .milliseconds(150))
            let writer = try store.writer(for: "queued")
            try writer.append(.setup, step: nil, data: Data("installing".utf8))
            try writer.end(exitCode: 0)
        }
        var kinds: [LogEvent.Kind] = []
        for try await event in store.follow(runID: "queued", from: 0) { kinds.append(event.kind) }
        #expect(kinds == [.setup, .end])
        try await producer.value
    }

    @Test func cancellingAFollowerStopsItAndReleasesTheFile() async throws {
        // With the safety wake-up a minute away, only the cancellation itself can end the
        // follower in time: the bound holds even on a loaded machine.
        let store = try LogStore(directory: scratch.file("slow-wake-logs"), safetyIntervalMilliseconds: 60_000)
        let writer = try store.writer(for: "cancel")
        try writer.append(.stdout, step: nil, data: Data("x".utf8))
        let path = scratch.file("slow-wake-logs").appendingPathComponent("cancel.log").path
        #expect(descriptors(openOn: path) == 1)
        let stream = store.follow(runID: "cancel", from: 0)
        let consumer = Task {
            var count = 0
            for try await _ in stream { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(descriptors(openOn: path) == 2)
        let clock = ContinuousClock()
        let start = clock.now
        consumer.cancel()
        #expect(try await consumer.value == 1)
        #expect(clock.now - start < .seconds(20))
        #expect(descriptors(openOn: path) == 1)
    }

    @Test func deletingAFollowedLogEndsTheFollower() async throws {
        let writer = try store.writer(for: "doomed")
        try writer.append(.stdout, step: nil, data: Data("x".utf8))
        var follower = store.follow(runID: "doomed", from: 0).makeAsyncIterator()
        #expect(try await follower.next()?.text == "x")
        let store = self.store
        Task {
            try await Task.sleep(for: .milliseconds(100))
            store.delete(runID: "doomed")
        }
        await #expect(throws: LogStoreError.vanished(runID: "doomed")) { _ = try await follower.next() }
        #expect(store.size(runID: "doomed") == 0)
        #expect(writer.isClosed)
    }

    // MARK: - Speed

    @Test func appendsAreFast() throws {
        let writer = try store.writer(for: "fast")
        let chunk = Data(repeating: 0x61, count: 64 << 10)
        let total = 100 << 20
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<(total / chunk.count) {
                try writer.append(.stdout, step: "train", data: chunk)
            }
        }
        #expect(writer.size >= Int64(total))
        #expect(elapsed < .seconds(60), "100 MB of 64 KiB appends took \(elapsed)")
        store.delete(runID: "fast")
    }

    @Test func aFollowerKeepsUpWithAFastWriter() async throws {
        let writer = try store.writer(for: "firehose")
        let total = 100 << 20
        let store = self.store
        let reader = Task {
            var bytes = 0
            var records = 0
            for try await event in store.follow(runID: "firehose", from: 0) where event.kind == .stdout {
                bytes += event.data.count
                records += 1
            }
            return (bytes, records)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let chunk = Data(repeating: 0x62, count: 64 << 10)
        for _ in 0..<(total / chunk.count) {
            try writer.append(.stdout, step: nil, data: chunk)
        }
        try writer.end(exitCode: 0)
        let (bytes, records) = try await reader.value
        let elapsed = clock.now - start
        #expect(bytes == total && records == total / chunk.count)
        #expect(elapsed < .seconds(90), "writing and following 100 MB took \(elapsed)")
        store.delete(runID: "firehose")
    }
}
