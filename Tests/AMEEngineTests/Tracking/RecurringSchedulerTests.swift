import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// Tracking a real git repository (file://) and firing its recurring tasks as real runs,
/// with the scheduler's clock in the test's hands: the minutes are chosen, not waited for.
@Suite(.serialized) struct RecurringSchedulerTests {
    static func projectFile(schedule: String = "* * * * *", name: String = "every_minute", extra: String = "") -> String {
        """
        projectname: tracked
        recurring_tasks:
          \(name):
            taskref: show
            schedule: '\(schedule)'
        \(extra)
        tasks:
          show:
            runcommand: cat data.txt
        """
    }

    @Test func aRepositoryGetsItsScheduleWhenAmeYamlAppearsAndEachFiringRunsTheCurrentCommit() async throws {
        let harness = try SchedulerHarness(start: ManualClock.at(11, 59, 30))
        try harness.repository.commit(["README.md": "nothing to schedule yet\n"], message: "first")
        var source = try await harness.scheduler.track(TrackRequest(url: harness.repository.fileURL, intervalSeconds: 30), owner: "alice")
        #expect(source.validationSummary == "no ame.yaml")
        #expect(source.schedules.isEmpty)

        let commitB = try harness.repository.commit(["ame.yaml": Self.projectFile(), "data.txt": "content of B\n"], message: "B")
        // Within one polling interval (30 s) the schedule is registered.
        harness.advance(to: ManualClock.at(11, 59, 45))
        await harness.scheduler.pollDueSources()
        #expect(try harness.source(source.id).schedules.isEmpty, "polled before the interval had passed")
        harness.advance(to: ManualClock.at(12, 0, 1))
        await harness.scheduler.pollDueSources()
        source = try harness.source(source.id)
        #expect(source.validationSummary == "valid")
        #expect(source.schedules == ["every_minute"])
        #expect(source.lastCommit == commitB)
        #expect(await harness.scheduler.tick().isEmpty, "12:00 was before the schedule existed")

        let schedules = try harness.scheduler.store.schedules(owner: "alice", now: harness.clock.now())
        #expect(schedules.map(\.fullName) == ["repo/every_minute"])
        #expect(schedules.first?.nextFiring == ManualClock.at(12, 1))

        harness.advance(to: ManualClock.at(12, 1, 2))
        let first = try #require(await harness.scheduler.tick().first)
        #expect(first.scheduledFor == ManualClock.at(12, 1))
        #expect(first.trigger == .cron && first.outcome == .started)
        #expect(first.commit == commitB)
        let firstRun = try await harness.finish(try #require(first.runID))
        #expect(firstRun.status == .succeeded)
        #expect(firstRun.output == "content of B\n")

        let commitC = try harness.repository.commit(["data.txt": "content of C\n"], message: "C")
        harness.advance(to: ManualClock.at(12, 1, 40))
        await harness.scheduler.pollDueSources()
        #expect(await harness.scheduler.tick().isEmpty, "fired between minutes")
        harness.advance(to: ManualClock.at(12, 2, 1))
        let second = try #require(await harness.scheduler.tick().first)
        #expect(second.scheduledFor == ManualClock.at(12, 2))
        #expect(second.commit == commitC)
        let secondRun = try await harness.finish(try #require(second.runID))
        #expect(secondRun.output == "content of C\n")
        let secondID = try #require(second.runID)
        let stored = try #require(try harness.engine.store.storedRun(secondID))
        #expect(stored.record.owner == "alice")
        #expect(stored.labels["ame.dev/commit"] == commitC)

        let history = try harness.scheduler.store.history(try harness.scheduler.store.schedule(owner: "alice", reference: "every_minute"))
        #expect(history.map(\.scheduledFor) == [ManualClock.at(12, 2), ManualClock.at(12, 1)])
        #expect(history.allSatisfy { $0.outcome == .started })
    }

    @Test func aBrokenAmeYamlKeepsTheOldScheduleFiringAndAFixReplacesIt() async throws {
        let harness = try SchedulerHarness(start: ManualClock.at(11, 58))
        let good = try harness.repository.commit(["ame.yaml": Self.projectFile(name: "old"), "data.txt": "old code\n"])
        let source = try await harness.scheduler.track(TrackRequest(url: harness.repository.fileURL, intervalSeconds: 5), owner: "alice")
        #expect(source.schedules == ["old"])

        let broken = """
            projectname: tracked
            recurring_tasks:
              new:
                taskref: show
                schedule: '61 * * * *'
                concurrancy: skip
            tasks:
              show:
                runcommand: cat data.txt
            """
        let brokenCommit = try harness.repository.commit(["ame.yaml": broken, "data.txt": "broken code\n"])
        harness.advance(to: ManualClock.at(11, 59, 30))
        await harness.scheduler.pollDueSources()
        let invalid = try harness.source(source.id)
        #expect(invalid.lastCommit == brokenCommit)
        #expect(invalid.scheduledCommit == good)
        #expect(invalid.schedules == ["old"])
        #expect(invalid.validationSummary == "invalid (2 errors)")
        let messages = invalid.diagnostics.map(\.description).joined(separator: "\n")
        #expect(messages.contains("ame.yaml:5:"), "\(messages)")
        #expect(messages.contains("61 is out of range"), "\(messages)")
        #expect(messages.contains("concurrancy") && messages.contains("did you mean 'concurrency'"), "\(messages)")

        // The old schedule fires, from the last commit whose ame.yaml was valid.
        harness.advance(to: ManualClock.at(12, 0, 3))
        let old = try #require(await harness.scheduler.tick().first)
        #expect(old.schedule == "old" && old.commit == good)
        let oldID = try #require(old.runID)
        #expect(try await harness.finish(oldID).output == "old code\n")

        let fixed = try harness.repository.commit(["ame.yaml": Self.projectFile(name: "new"), "data.txt": "fixed code\n"])
        harness.advance(to: ManualClock.at(12, 0, 30))
        await harness.scheduler.pollDueSources()
        let valid = try harness.source(source.id)
        #expect(valid.schedules == ["new"])
        #expect(valid.diagnostics.isEmpty)
        #expect(valid.scheduledCommit == fixed)
        harness.advance(to: ManualClock.at(12, 1, 3))
        let firings = await harness.scheduler.tick()
        #expect(firings.map(\.schedule) == ["new"])
        let newID = try #require(firings.first?.runID)
        #expect(try await harness.finish(newID).output == "fixed code\n")
    }

    @Test func aFiringMissedWhileDownRunsExactlyOnceAcrossRestartsAndRacingSchedulers() async throws {
        let harness = try SchedulerHarness(start: ManualClock.at(11, 59))
        try harness.repository.commit(["ame.yaml": Self.projectFile(schedule: "1 12 * * *", name: "at_1201"), "data.txt": "caught up\n"])
        _ = try await harness.scheduler.track(TrackRequest(url: harness.repository.fileURL), owner: "alice")
        harness.advance(to: ManualClock.at(12, 0, 40))
        #expect(await harness.scheduler.tick().isEmpty)

        // The server is down from 12:00:40 to 12:07; two schedulers open the data directory.
        harness.advance(to: ManualClock.at(12, 7))
        let first = try harness.reopen()
        let second = try harness.reopen()
        first.recoverInterruptedFirings()
        async let a = first.tick()
        async let b = second.tick()
        let fired = await a + b
        #expect(fired.count == 1, "\(fired)")
        let firing = try #require(fired.first)
        #expect(firing.trigger == .catchup)
        #expect(firing.scheduledFor == ManualClock.at(12, 1))
        let caughtUpID = try #require(firing.runID)
        #expect(try await harness.finish(caughtUpID).output == "caught up\n")

        // Later ticks, and one more restart, never fire 12:01 again.
        harness.advance(to: ManualClock.at(12, 8))
        #expect(await first.tick().isEmpty)
        let third = try harness.reopen()
        third.recoverInterruptedFirings()
        #expect(await third.tick().isEmpty)
        #expect(try harness.runsOfSchedule("repo/at_1201").count == 1)
        let history = try third.store.history(try third.store.schedule(owner: "alice", reference: "at_1201"))
        #expect(history.count == 1)
    }

    @Test func withoutCatchupAMissedFiringIsRecordedNotRun() async throws {
        let harness = try SchedulerHarness(start: ManualClock.at(11, 59))
        try harness.repository.commit(["ame.yaml": Self.projectFile(schedule: "1 12 * * *", name: "strict", extra: "    catchup: false"),
                                       "data.txt": "x\n"])
        let source = try await harness.scheduler.track(TrackRequest(url: harness.repository.fileURL), owner: "alice")
        #expect(source.diagnostics.isEmpty, "\(source.diagnostics)")
        harness.advance(to: ManualClock.at(12, 5))
        let firing = try #require(await harness.scheduler.tick().first)
        #expect(firing.outcome == .missed)
        #expect(firing.runID == nil)
        #expect(firing.reason?.contains("catchup: false") == true)
        #expect(try harness.runsOfSchedule("repo/strict").isEmpty)
    }

    @Test func aFiringWhileThePreviousRunRunsIsSkippedOrQueued() async throws {
        let harness = try SchedulerHarness(start: ManualClock.at(11, 59))
        let release = harness.directory.url.appendingPathComponent("release")
        let project = """
            projectname: tracked
            recurring_tasks:
              skipping:
                taskref: wait
                schedule: '* * * * *'
              queueing:
                taskref: wait
                schedule: '* * * * *'
                concurrency: queue
            tasks:
              wait:
                runcommand: while [ ! -f '\(release.path)' ]; do sleep 0.05; done; echo released
            """
        try harness.repository.commit(["ame.yaml": project])
        _ = try await harness.scheduler.track(TrackRequest(url: harness.repository.fileURL), owner: "alice")
        harness.advance(to: ManualClock.at(12, 0, 1))
        let started = await harness.scheduler.tick()
        #expect(started.map(\.outcome) == [.started, .started])

        harness.advance(to: ManualClock.at(12, 1, 1))
        let next = await harness.scheduler.tick()
        let skipped = try #require(next.first { $0.schedule == "skipping" })
        let queued = try #require(next.first { $0.schedule == "queueing" })
        #expect(skipped.outcome == .skipped)
        let runningID = try #require(started.first { $0.schedule == "skipping" }?.runID)
        #expect(skipped.reason?.contains(runningID) == true)
        #expect(queued.outcome == .queued)

        FileManager.default.createFile(atPath: release.path, contents: Data())
        for firing in started { _ = try await harness.finish(try #require(firing.runID)) }
        harness.advance(to: ManualClock.at(12, 1, 20))
        _ = await harness.scheduler.tick()
        let history = try harness.scheduler.store.history(try harness.scheduler.store.schedule(owner: "alice", reference: "queueing"))
        let dequeued = try #require(history.first { $0.id == queued.id })
        #expect(dequeued.outcome == .started)
        let dequeuedID = try #require(dequeued.runID)
        #expect(try await harness.finish(dequeuedID).output == "released\n")
    }

    @Test func badRequestsAreRefusedWithTheReason() async throws {
        let harness = try SchedulerHarness()
        await #expect(throws: APIError.self) {
            try await harness.scheduler.track(TrackRequest(url: "https://user:secret@example.invalid/r.git"), owner: "alice")
        }
        do {
            _ = try await harness.scheduler.track(TrackRequest(url: "file://" + harness.directory.url.appendingPathComponent("nope").path), owner: "alice")
            Issue.record("tracking a missing repository succeeded")
        } catch let error as APIError {
            #expect(error.message.contains("git could not fetch"), "\(error.message)")
        }
        #expect(try harness.scheduler.store.sources(owner: "alice").isEmpty, "a failed track left a source behind")
        do {
            _ = try await harness.scheduler.track(TrackRequest(url: harness.repository.fileURL, secret: "missing"), owner: "alice")
            Issue.record("a missing secret was accepted")
        } catch let error as APIError {
            #expect(error.message == "the secret 'missing' is not set")
        }
        let restricted = RecurringScheduler(engine: harness.engine, launcher: harness.scheduler.launcher, clock: harness.clock,
                                            policy: GitAccessPolicy(allowedHosts: ["127.0.0.1"]))
        do {
            _ = try await restricted.track(TrackRequest(url: "https://example.invalid/r.git"), owner: "alice")
            Issue.record("a host outside --git-hosts was fetched")
        } catch let error as APIError {
            #expect(error.code == .forbidden)
        }
    }
}
