import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Recurring tasks end to end: the real `ame-server` (real clock) tracks real git
/// repositories served by `git daemon`, by `git http-backend` behind basic auth, and as
/// `file://`; the real `ame` drives it.
@Suite(.serialized) struct ScheduleServerTests {
    static func projectFile(schedule: String, name: String = "every_minute") -> String {
        """
        projectname: tracked
        recurring_tasks:
          \(name):
            taskref: show
            schedule: '\(schedule)'
        tasks:
          show:
            runcommand: cat data.txt
        """
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try WireFormat.decoder().decode(T.self, from: Data(text.utf8))
    }

    /// Polls `body` until it returns a value (every 200 ms, up to `timeout`).
    static func eventually<T>(_ what: String, timeout: TimeInterval = 60, _ body: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try await body() { return value }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TimedOut(description: "timed out waiting for \(what)")
    }

    struct TimedOut: Error, CustomStringConvertible { var description: String }

    static func finishedRun(_ sandbox: AMESandbox, _ id: String) async throws -> RunRecord {
        try await eventually("run \(id) to end", timeout: 120) {
            let status = try await sandbox.ame(["status", id, "--json"])
            let record = try decode(RunRecord.self, status.stdout)
            return record.status.isTerminal ? record : nil
        }
    }

    @Test func aRepositoryOnGitDaemonIsTrackedItsScheduleAppearsAndFiresFromTheNewCommit() async throws {
        let sandbox = try AMESandbox(.server)
        let root = sandbox.directory.url.appendingPathComponent("git")
        let repository = try GitTestRepository(at: root.appendingPathComponent("models"))
        try repository.commit(["README.md": "no schedules yet\n"])
        let daemon = try GitDaemon(root: root)
        defer { daemon.stop() }

        let track = try await sandbox.ame(["project", "track", daemon.url("models"), "--interval", "1s"])
        #expect(track.exitCode == 0, "\(track.stderr)")
        #expect(track.stdout.contains("no ame.yaml"), "\(track.stdout)")
        let list = try await sandbox.ame(["project", "list"])
        #expect(list.stdout.contains("models") && list.stdout.contains("no ame.yaml"), "\(list.stdout)")

        let commit = try repository.commit(["ame.yaml": Self.projectFile(schedule: "* * * * *"), "data.txt": "served by git daemon\n"])
        let schedules = try await Self.eventually("the schedule to be registered", timeout: 30) { () -> [ScheduleInfo]? in
            let listed = try Self.decode([ScheduleInfo].self, try await sandbox.ame(["schedule", "list", "--json"]).stdout)
            return listed.isEmpty ? nil : listed
        }
        #expect(schedules.map(\.fullName) == ["models/every_minute"])
        #expect(schedules.first?.commit == commit)
        let next = try #require(schedules.first?.nextFiring)
        #expect(next > Date() && next.timeIntervalSinceNow <= 61)
        let projects = try Self.decode([TrackedSource].self, try await sandbox.ame(["project", "list", "--json"]).stdout)
        #expect(projects.first?.validationSummary == "valid")
        #expect(projects.first?.lastCommit == commit)
        let table = try await sandbox.ame(["schedule", "list"])
        #expect(table.stdout.contains("models/every_minute") && table.stdout.contains("* * * * *"), "\(table.stdout)")

        let fired = try await sandbox.ame(["schedule", "run", "every_minute"])
        #expect(fired.exitCode == 0, "\(fired.stderr)")
        let runID = fired.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let run = try await Self.finishedRun(sandbox, runID)
        #expect(run.status == .succeeded)
        let logs = try await sandbox.ame(["logs", runID])
        #expect(logs.stdout.contains("served by git daemon"), "\(logs.stdout)")

        let history = try Self.decode([ScheduleFiring].self, try await sandbox.ame(["schedule", "history", "models/every_minute", "--json"]).stdout)
        let manual = try #require(history.first { $0.trigger == .manual })
        #expect(manual.runID == runID && manual.commit == commit)

        let untrack = try await sandbox.ame(["project", "untrack", "models"])
        #expect(untrack.stdout.contains("untracked models; removed 1 schedule"), "\(untrack.stdout)")
        #expect(try await sandbox.ame(["schedule", "list"]).stdout.contains("No schedules"))
        let unknown = try await sandbox.ame(["schedule", "run", "every_minute"])
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("there is no schedule 'every_minute'"), "\(unknown.stderr)")
    }

    @Test func aScheduleWithoutATimezoneShowsItsZoneAsUTCAsTheDocsSay() async throws {
        let sandbox = try AMESandbox(.server)
        let project = try sandbox.project(["ame.yaml": Self.projectFile(schedule: "0 12 * * *", name: "noon"), "data.txt": "x\n"])
        let pushed = try await sandbox.ame(["schedule", "push"], in: project)
        #expect(pushed.exitCode == 0, "\(pushed.stderr)")
        #expect(pushed.stdout.contains("0 12 * * * UTC"), "\(pushed.stdout)")
        let listed = try Self.decode([ScheduleInfo].self, try await sandbox.ame(["schedule", "list", "--json"]).stdout)
        #expect(listed.map(\.timezone) == ["UTC"])
        let table = try await sandbox.ame(["schedule", "list"])
        #expect(table.stdout.contains("UTC") && !table.stdout.contains("GMT"), "\(table.stdout)")
    }

    @Test func aFiringTimeThatPassesWhileTheServerIsKilledRunsExactlyOnceAfterTheRestart() async throws {
        let sandbox = try AMESandbox(.server)
        let repository = try GitTestRepository(at: sandbox.directory.url.appendingPathComponent("nightly"))
        // The next whole minute at least 20 s away: time to register before it, and kill.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var target = try #require(calendar.dateInterval(of: .minute, for: Date())?.end)
        if target.timeIntervalSinceNow < 20 { target += 60 }
        let parts = calendar.dateComponents([.hour, .minute], from: target)
        try repository.commit(["ame.yaml": Self.projectFile(schedule: "\(parts.minute!) \(parts.hour!) * * *", name: "once"),
                               "data.txt": "ran once\n"])
        let track = try await sandbox.ame(["project", "track", repository.fileURL, "--interval", "1s"])
        #expect(track.exitCode == 0, "\(track.stderr)")
        let schedules = try Self.decode([ScheduleInfo].self, try await sandbox.ame(["schedule", "list", "--json"]).stdout)
        #expect(schedules.first?.nextFiring == target)
        #expect(target.timeIntervalSinceNow > 5, "registration took too long to kill the server before the firing")

        sandbox.killServer()
        while Date() < target.addingTimeInterval(2) { try await Task.sleep(for: .milliseconds(200)) }
        try sandbox.restartServer()

        let firing = try await Self.eventually("the catch-up firing", timeout: 60) { () -> ScheduleFiring? in
            let history = try Self.decode([ScheduleFiring].self, try await sandbox.ame(["schedule", "history", "once", "--json"]).stdout)
            return history.first { $0.runID != nil }
        }
        #expect(firing.scheduledFor == target)
        #expect(firing.trigger == .catchup)
        let run = try await Self.finishedRun(sandbox, try #require(firing.runID))
        #expect(run.status == .succeeded)
        let caughtUpID = try #require(firing.runID)
        #expect(try await sandbox.ame(["logs", caughtUpID]).stdout.contains("ran once"))

        // Another restart and a few scheduler ticks later: still one firing, one run.
        try sandbox.restartServer()
        try await Task.sleep(for: .seconds(3))
        let history = try Self.decode([ScheduleFiring].self, try await sandbox.ame(["schedule", "history", "once", "--json"]).stdout)
        #expect(history.count == 1, "\(history)")
        let runs = try Self.decode(RunPage.self, try await sandbox.ame(["runs", "--json"]).stdout)
        #expect(runs.runs.count == 1)
    }

    @Test func aPrivateRepositoryOverHTTPWithBasicAuthWorksAndTheTokenLeaksNowhere() async throws {
        let sandbox = try AMESandbox(.server)
        let root = sandbox.directory.url.appendingPathComponent("private-git")
        let repository = try GitTestRepository(at: root.appendingPathComponent("secret-models"))
        let commit = try repository.commit(["ame.yaml": Self.projectFile(schedule: "0 3 * * *", name: "nightly"), "data.txt": "private data\n"])
        let token = "tok" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let http = try GitHTTPServer(root: root, user: "ame-bot", password: token, scratch: sandbox.directory.url.appendingPathComponent("http"))
        defer { http.stop() }
        let url = http.url("secret-models")

        let refused = try await sandbox.ame(["project", "track", url])
        #expect(refused.exitCode != 0)
        #expect(refused.stderr.contains("git could not fetch"), "\(refused.stderr)")
        #expect(refused.stderr.contains("ame secret set"), "\(refused.stderr)")

        let set = try await sandbox.ame(["secret", "set", "git-token"], input: Data("ame-bot:\(token)\n".utf8))
        #expect(set.exitCode == 0, "\(set.stderr)")
        let track = try await sandbox.ame(["project", "track", url, "--secret", "git-token", "--interval", "1s"])
        #expect(track.exitCode == 0, "\(track.stderr)")
        #expect(track.stdout.contains("nightly"), "\(track.stdout)")
        let projects = try Self.decode([TrackedSource].self, try await sandbox.ame(["project", "list", "--json"]).stdout)
        #expect(projects.first?.lastCommit == commit)
        #expect(projects.first?.secret == "git-token")

        let fired = try await sandbox.ame(["schedule", "run", "nightly"])
        let runID = fired.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await Self.finishedRun(sandbox, runID).status == .succeeded)
        #expect(try await sandbox.ame(["logs", runID]).stdout.contains("private data"))
        // A few polls over HTTP with the token.
        try await Task.sleep(for: .seconds(3))
        #expect(try String(contentsOf: http.log, encoding: .utf8).contains("info/refs"))

        // The token (and its base64 form in the header) is in no file the server wrote: not
        // in its log, the clone's config or objects, run logs, the database (sealed) or the
        // HTTP server's request log.
        let forms = [token, Data("ame-bot:\(token)".utf8).base64EncodedString()]
        var checked = 0
        for base in [try #require(sandbox.server?.dataDirectory), sandbox.directory.url.appendingPathComponent("server.log"), http.log] {
            let files: [URL]
            if let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) {
                files = enumerator.compactMap { $0 as? URL }
            } else {
                files = [base]
            }
            for file in files + [base] {
                guard let data = try? Data(contentsOf: file) else { continue }
                checked += 1
                for form in forms {
                    #expect(data.range(of: Data(form.utf8)) == nil, "\(file.path) contains the token")
                }
            }
        }
        #expect(checked > 10)
        let clones = try FileManager.default.contentsOfDirectory(at: try #require(sandbox.server?.dataDirectory).appendingPathComponent("sources"),
                                                                 includingPropertiesForKeys: nil)
        let clone = try #require(clones.first)
        let config = try String(contentsOf: clone.appendingPathComponent("config"), encoding: .utf8)
        #expect(!config.contains("extraHeader") && !config.contains("ame-bot") && !config.contains(url), "\(config)")
    }
}
