import AMEClient
import AMECore
import AMETestSupport
import Foundation
import Testing

/// The dashboard in a real browser: Debian's headless Chromium against the real
/// `ame-server` binary on loopback, with runs submitted by the real `ame` CLI through the
/// API. It signs in through the form, watches a log line appear that the task printed
/// after the page loaded, downloads an artifact, cancels a run from the page, checks the
/// refusals (signed out, another user's run, a POST without the CSRF token), and saves
/// the screenshots the README shows (docs/dashboard-runs.png, docs/dashboard-run.png).
@Suite(.serialized) struct DashboardBrowserTests {
    struct Setup {
        let sandbox: AMESandbox
        let url: String
        let alice: String
        let bob: String
        let project: URL
        let gate: URL
        let weights: Data
    }

    static func makeSetup() async throws -> Setup {
        // Room for every run of a test at once, however many cores this machine has.
        let sandbox = try AMESandbox(.server, engineConfig: "capacity: {cpu: 16, memory: 64Gi}\n")
        let server = try #require(sandbox.server)
        let admin = HTTPJobsAPI(baseURL: try #require(URL(string: server.url)), token: server.adminToken)
        let alice = try await admin.createToken(user: "alice", admin: false, description: "dashboard test").token
        let bob = try await admin.createToken(user: "bob", admin: false, description: "dashboard test").token
        // Where a sandboxed run can see it (the sandbox shows the folders on PATH).
        let gate = sandbox.gatesDirectory.appendingPathComponent("gate")
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: churn-model
                tasks:
                  train:
                    runcommand: echo "epoch 1 loss 0.52"; echo "epoch 2 loss 0.31"; while [ ! -f '\(gate.path)' ]; do sleep 0.1; done; echo "LATE-MARKER printed after the page loaded"; sleep 300
                    resources: {cpu: 1, memory: 512Mi}
                  evaluate:
                    runcommand: echo "accuracy 0.93" && cp weights.bin model.bin
                  serve:
                    runcommand: sleep 300
                """,
        ])
        // Bytes that are not text, to see the download is exact.
        var generator = SplitMix64(seed: 42)
        let weights = Data((0..<3000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        try weights.write(to: project.appendingPathComponent("weights.bin"))
        return Setup(sandbox: sandbox, url: server.url, alice: alice, bob: bob, project: project, gate: gate, weights: weights)
    }

    /// `ame run TASK --detach --json` as `token`'s user: the run's id.
    static func submit(_ setup: Setup, _ task: String, token: String) async throws -> String {
        setup.sandbox.setEnvironment("AME_TOKEN", token)
        let result = try await setup.sandbox.ame(["run", task, "--detach", "--json"], in: setup.project, timeout: .seconds(300))
        #expect(result.exitCode == 0, "ame run \(task): \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any]
        return try #require(object?["id"] as? String, "no run id in: \(result.stdout)")
    }

    static func waitForStatus(_ setup: Setup, _ id: String, token: String, _ accept: (RunStatus) -> Bool) async throws -> RunRecord {
        let api = HTTPJobsAPI(baseURL: try #require(URL(string: setup.url)), token: token)
        let deadline = ContinuousClock.now + .seconds(180)
        var run = try await api.getRun(id)
        while !accept(run.status) {
            guard ContinuousClock.now < deadline else {
                Issue.record("run \(id) stayed \(run.status.rawValue): \(run.reason ?? "")")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(200))
            run = try await api.getRun(id)
        }
        return run
    }

    static let docs = Fixtures.repositoryRoot.appendingPathComponent("docs")

    /// Where a screenshot goes: the README's copies under docs/ only when asked
    /// (`AME_UPDATE_SCREENSHOTS=1`), so a test run never leaves the checkout changed.
    static func screenshot(_ name: String, scratch: URL) -> URL {
        ProcessInfo.processInfo.environment["AME_UPDATE_SCREENSHOTS"] == "1"
            ? docs.appendingPathComponent(name) : scratch.appendingPathComponent(name)
    }

    @Test func aSignedInBrowserFollowsALiveLogDownloadsAnArtifactAndCancelsTheRun() async throws {
        let setup = try await Self.makeSetup()
        let evaluate = try await Self.submit(setup, "evaluate", token: setup.alice)
        let train = try await Self.submit(setup, "train", token: setup.alice)
        let bobs = try await Self.submit(setup, "serve", token: setup.bob)
        _ = try await Self.waitForStatus(setup, evaluate, token: setup.alice) { $0.isTerminal }
        _ = try await Self.waitForStatus(setup, train, token: setup.alice) { $0 == .running }

        let browser = try await HeadlessChromium.start()

        // Signed out, a run's address leads to the sign-in form, which leads back there.
        try await browser.navigate("\(setup.url)/runs/\(train)")
        #expect(try await browser.string("location.pathname") == "/signin")
        try await browser.evaluate("document.getElementById('token').value = \(Self.jsString(setup.alice)); document.querySelector('form.stacked button').click(); true")
        try await browser.waitFor("location.pathname === '/runs/\(train)' && document.readyState === 'complete'")

        // The session cookie: HttpOnly (script cannot read it) and SameSite=Strict.
        let session = try #require(try await browser.cookies().first { $0["name"] as? String == "ame_session" })
        #expect(session["httpOnly"] as? Bool == true)
        #expect(session["sameSite"] as? String == "Strict")
        #expect(try await browser.string("document.cookie").contains("ame_session") == false)

        // The log so far is there; the marker is not, until the task prints it.
        try await browser.waitFor("document.getElementById('log').textContent.includes('epoch 2 loss 0.31')")
        #expect(try await browser.string("document.getElementById('log').textContent").contains("LATE-MARKER") == false)
        try Data().write(to: setup.gate)
        try await browser.waitFor("document.getElementById('log').textContent.includes('LATE-MARKER printed after the page loaded')")
        #expect(try await browser.string("document.querySelector('#summary .status').textContent").contains("running"))
        let shotdashboard_run = Self.screenshot("dashboard-run.png", scratch: setup.sandbox.directory.url)
        try await browser.screenshot(to: shotdashboard_run)
        #expect(((try? Data(contentsOf: shotdashboard_run))?.count ?? 0) > 1000, "a real PNG was written")

        // The runs page lists Alice's runs (made through the API by the CLI), not Bob's.
        try await browser.navigate("\(setup.url)/runs")
        let table = try await browser.string("document.querySelector('table.runs').textContent")
        #expect(table.contains(evaluate) && table.contains(train))
        #expect(table.contains("churn-model") && table.contains("alice"))
        #expect(!table.contains(bobs))
        let shotdashboard_runs = Self.screenshot("dashboard-runs.png", scratch: setup.sandbox.directory.url)
        try await browser.screenshot(to: shotdashboard_runs)
        #expect(((try? Data(contentsOf: shotdashboard_runs))?.count ?? 0) > 1000, "a real PNG was written")

        // The artifact link downloads exactly the bytes the run made.
        try await browser.navigate("\(setup.url)/runs/\(evaluate)")
        let downloads = setup.sandbox.directory.url.appendingPathComponent("downloads")
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        try await browser.command("allowDownloads", ["path": downloads.path])
        try await browser.evaluate("document.querySelector('#artifacts a[href*=\"model.bin\"]').click(); true")
        let download = try await browser.command("waitForDownload", ["timeout": 60])
        #expect(download["filename"] as? String == "model.bin")
        let saved = try Data(contentsOf: downloads.appendingPathComponent(try #require(download["guid"] as? String)))
        #expect(saved == setup.weights)

        // Cancel from the page: the button posts the form, the page shows the run cancelled.
        try await browser.navigate("\(setup.url)/runs/\(train)")
        try await browser.evaluate("document.getElementById('cancel-run').click(); true")
        try await browser.waitFor("document.querySelector('#summary .status-cancelled') !== null", timeout: 90)
        let cancelled = try await Self.waitForStatus(setup, train, token: setup.alice) { $0.isTerminal }
        #expect(cancelled.status == .cancelled)
        try await browser.waitFor("document.getElementById('log-state').textContent.includes('complete')")

        // Nothing above made the browser complain (scripts, styles, icons, the log stream).
        let problems = try await browser.consoleProblems()
        #expect(problems.isEmpty, "console: \(problems)")

        // Sign out: every page then leads to sign-in again.
        try await browser.evaluate("document.querySelector('.account button').click(); true")
        try await browser.waitFor("location.pathname === '/signin' && document.readyState === 'complete'")
        try await browser.navigate("\(setup.url)/runs")
        #expect(try await browser.string("location.pathname") == "/signin")
        _ = try? await HTTPJobsAPI(baseURL: try #require(URL(string: setup.url)), token: setup.bob).cancelRun(bobs)
        await browser.close()
    }

    @Test func anotherUsersRunIsNotFoundAndAPostWithoutTheCSRFTokenIsRefused() async throws {
        let setup = try await Self.makeSetup()
        let alices = try await Self.submit(setup, "serve", token: setup.alice)
        let bobs = try await Self.submit(setup, "serve", token: setup.bob)
        _ = try await Self.waitForStatus(setup, alices, token: setup.alice) { $0 == .running }

        let browser = try await HeadlessChromium.start()
        for path in ["/runs", "/runs/\(bobs)", "/secrets", "/schedules", "/projects"] {
            try await browser.navigate(setup.url + path)
            #expect(try await browser.string("location.pathname") == "/signin", "\(path)")
        }
        try await browser.evaluate("document.getElementById('token').value = \(Self.jsString(setup.alice)); document.querySelector('form.stacked button').click(); true")
        // The last page asked for was /projects: signing in leads back there.
        try await browser.waitFor("location.pathname === '/projects' && document.readyState === 'complete'")

        // Bob's run by its address: 404, and nothing of it on the page.
        try await browser.navigate("\(setup.url)/runs/\(bobs)")
        #expect(try await browser.string("document.querySelector('h1').textContent") == "Not found")
        let status = try await browser.evaluate("fetch(location.href).then(r => r.status)") as? Int
        #expect(status == 404)

        // A POST that did not come from the page's form (no CSRF token): refused, run goes on.
        try await browser.navigate("\(setup.url)/runs/\(alices)")
        let refused = try await browser.evaluate("""
            fetch('/runs/\(alices)/cancel', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'reason=none'}).then(r => r.status)
            """) as? Int
        #expect(refused == 403)
        let forged = try await browser.evaluate("""
            fetch('/runs/\(alices)/cancel', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf=ame_guess'}).then(r => r.status)
            """) as? Int
        #expect(forged == 403)
        try await Task.sleep(for: .seconds(1))
        #expect(try await Self.waitForStatus(setup, alices, token: setup.alice) { _ in true }.status == .running)

        for (id, token) in [(alices, setup.alice), (bobs, setup.bob)] {
            _ = try? await HTTPJobsAPI(baseURL: try #require(URL(string: setup.url)), token: token).cancelRun(id)
        }
        await browser.close()
    }

    /// A JavaScript string literal.
    static func jsString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
