import AMECore
import AMEEngine
import AMEServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The dashboard over HTTP, without a browser: sign-in and its cookie, sign-out, redirects
/// when signed out, CSRF and origin checks, the same tenancy as the API, filters, paging,
/// downloads, and escaping. The browser tests (DashboardBrowserTests) show the same pages
/// in Chromium.
@Suite struct DashboardHTTPTests {
    static let project = [
        "ame.yaml": """
            projectname: dashboard
            tasks:
              hello:
                runcommand: echo "hello <b>from</b> $WHO" && printf 'artifact bytes\\n' > out.txt
                env: {WHO: dashboard}
              wait:
                runcommand: sleep 60
            """,
    ]

    static func submit(_ client: any TestClientProtocol, _ fixture: ServerFixture, token: String, task: String) async throws -> RunRecord {
        let body = try WireFormat.encoder().encode(RunRequest(task: task, manifest: try fixture.project(project, owner: fixture.user(for: token))))
        let response = try await client.send(.post, "/v1/runs", token: token, json: String(decoding: body, as: UTF8.self))
        #expect(response.status == .created, "\(response.text)")
        return try WireFormat.decoder().decode(RunRecord.self, from: Data(response.text.utf8))
    }

    static func run(_ client: any TestClientProtocol, id: String, token: String) async throws -> RunRecord {
        let response = try await client.send(.get, "/v1/runs/\(id)", token: token)
        return try WireFormat.decoder().decode(RunRecord.self, from: Data(response.text.utf8))
    }

    static func waitUntil(_ client: any TestClientProtocol, id: String, token: String, _ condition: (RunRecord) -> Bool) async throws -> RunRecord {
        let deadline = ContinuousClock.now + .seconds(120)
        var last: RunRecord?
        while ContinuousClock.now < deadline {
            let run = try await run(client, id: id, token: token)
            if condition(run) { return run }
            last = run
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("run \(id) never reached the expected state; last: \(String(describing: last))")
        throw CancellationError()
    }

    @Test(arguments: HTTPSetup.allCases)
    func signedOutEveryPageRedirectsToSignIn(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let visitor = DashboardVisitor(client)
            let root = try await visitor.get("/")
            #expect(root.status == .seeOther)
            #expect(root.headers[.location] == "/runs")
            for path in ["/runs", "/runs?status=failed", "/runs/r0000000000000", "/runs/r0000000000000/log?follow=true",
                         "/runs/r0000000000000/download?path=out.txt", "/secrets", "/schedules", "/projects"] {
                let response = try await visitor.get(path)
                #expect(response.status == .seeOther, "\(path): \(response.status)")
                #expect(response.headers[.location] == "/signin?next=" + DashboardVisitor.encode(path), "\(path)")
                #expect(!response.text.contains("r0000000000000"))
            }
            for path in ["/runs/r0000000000000/cancel", "/signout"] {
                let response = try await visitor.post(path, form: ["csrf": "x"])
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location]?.hasPrefix("/signin") == true)
            }
            // The sign-in page itself, its stylesheet and script need no session.
            #expect(try await visitor.get("/signin").status == .ok)
            let script = try await visitor.get("/assets/dashboard.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(try await visitor.get("/assets/dashboard.css").status == .ok)
            // The API still wants its bearer token, cookie or not.
            #expect(try await client.send(.get, "/v1/runs", token: nil).status == .unauthorized)
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func signInSetsAStrictHttpOnlyCookieAndSignOutEndsTheSession(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let visitor = DashboardVisitor(client)
            // A wrong token: the form again, saying why, and no session.
            let wrong = try await visitor.signIn(token: "ame_not-a-real-token")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("That token is not valid"))
            #expect(visitor.cookies["ame_session"] == nil)
            // A form without the sign-in page's CSRF secret is refused.
            let forged = try await visitor.post("/signin", form: ["token": fixture.aliceToken])
            #expect(forged.status == .forbidden)
            #expect(visitor.cookies["ame_session"] == nil)

            let signedIn = try await visitor.signIn(token: fixture.aliceToken, next: "/secrets")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/secrets")
            let cookie = try #require(visitor.lastSetCookies.first { $0.hasPrefix("ame_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains(fixture.aliceToken), "the cookie must not be the token")
            let runs = try await visitor.get("/runs")
            #expect(runs.status == .ok)
            #expect(runs.text.contains("Signed in as <strong>alice</strong>"))
            #expect(runs.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(runs.headers[.contentType] == "text/html; charset=utf-8")

            // Sign-out is a form too: without the CSRF token nothing happens.
            #expect(try await visitor.post("/signout", form: [:]).status == .forbidden)
            #expect(try await visitor.get("/runs").status == .ok)
            let csrf = try await visitor.sessionCSRF()
            let session = try #require(visitor.cookies["ame_session"])
            let out = try await visitor.post("/signout", form: ["csrf": csrf])
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/signin")
            // The old cookie, sent again by hand, is dead on the server.
            let replay = try await client.executeRequest(uri: "/runs", method: .get, headers: [.cookie: "ame_session=\(session)"], body: nil)
            #expect(replay.status == .seeOther)
        }
    }

    @Test func signInNeverRedirectsToAnotherSite() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            for next in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "runs"] {
                let visitor = DashboardVisitor(client)
                let response = try await visitor.signIn(token: fixture.aliceToken, next: next)
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/runs", "next=\(next)")
            }
        }
    }

    @Test func aRevokedTokensSessionEnds() async throws {
        let fixture = try ServerFixture()
        let dave = try fixture.state.tokens.create(user: "dave", admin: false, description: nil)
        try await fixture.test(.router) { client in
            let visitor = DashboardVisitor(client)
            try await visitor.signIn(token: dave.token)
            #expect(try await visitor.get("/runs").status == .ok)
            _ = try fixture.state.tokens.revoke(id: dave.record.id)
            let after = try await visitor.get("/runs")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location]?.hasPrefix("/signin") == true)
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func aUserSeesOnlyTheirRunsAndAnotherUsersRunIsNotFound(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let alices = try await Self.submit(client, fixture, token: fixture.aliceToken, task: "hello")
            let bobs = try await Self.submit(client, fixture, token: fixture.bobToken, task: "wait")
            _ = try await Self.waitUntil(client, id: alices.id, token: fixture.aliceToken) { $0.status.isTerminal }

            let alice = DashboardVisitor(client)
            try await alice.signIn(token: fixture.aliceToken)
            let list = try await alice.get("/runs?all=true")
            #expect(list.text.contains(alices.id))
            #expect(!list.text.contains(bobs.id), "a user must not see another user's runs, even asking for all")
            for path in ["/runs/\(bobs.id)", "/runs/\(bobs.id)/log", "/runs/\(bobs.id)/download?path=out.txt"] {
                let response = try await alice.get(path)
                #expect(response.status == .notFound, "\(path): \(response.status)")
                #expect(response.text.contains("Not found"))
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            // Cancelling Bob's run from Alice's session: not found, and the run goes on.
            let csrf = try await alice.sessionCSRF()
            #expect(try await alice.post("/runs/\(bobs.id)/cancel", form: ["csrf": csrf]).status == .notFound)
            #expect(try await Self.run(client, id: bobs.id, token: fixture.bobToken).status.isActive)

            // An admin sees their own runs, and everyone's when asking for all users.
            let admin = DashboardVisitor(client)
            try await admin.signIn(token: fixture.adminToken)
            let own = try await admin.get("/runs")
            #expect(!own.text.contains(alices.id))
            let everyone = try await admin.get("/runs?all=true")
            #expect(everyone.text.contains(alices.id) && everyone.text.contains(bobs.id))
            #expect(everyone.text.contains("All users"))
            #expect(try await admin.get("/runs/\(bobs.id)").status == .ok)
            _ = try await client.send(.post, "/v1/runs/\(bobs.id)/cancel", token: fixture.bobToken)
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func cancelNeedsTheCSRFTokenAndASameSiteOrigin(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let run = try await Self.submit(client, fixture, token: fixture.aliceToken, task: "wait")
            _ = try await Self.waitUntil(client, id: run.id, token: fixture.aliceToken) { $0.status == .running }
            let visitor = DashboardVisitor(client)
            try await visitor.signIn(token: fixture.aliceToken)
            let page = try await visitor.get("/runs/\(run.id)")
            #expect(page.text.contains("Cancel run"))
            let csrf = try #require(DashboardVisitor.csrf(in: page.text))

            let missing = try await visitor.post("/runs/\(run.id)/cancel", form: [:])
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("security token"))
            let wrong = try await visitor.post("/runs/\(run.id)/cancel", form: ["csrf": "ame_guessed"])
            #expect(wrong.status == .forbidden)
            let crossSite = try await visitor.post("/runs/\(run.id)/cancel", form: ["csrf": csrf],
                                                   headers: [.origin: "http://evil.example"])
            #expect(crossSite.status == .forbidden)
            #expect(try await Self.run(client, id: run.id, token: fixture.aliceToken).status == .running)

            let cancelled = try await visitor.post("/runs/\(run.id)/cancel", form: ["csrf": csrf])
            #expect(cancelled.status == .seeOther)
            #expect(cancelled.headers[.location] == "/runs/\(run.id)")
            let final = try await Self.waitUntil(client, id: run.id, token: fixture.aliceToken) { $0.status.isTerminal }
            #expect(final.status == .cancelled)
            let after = try await visitor.get("/runs/\(run.id)")
            #expect(after.text.contains("status-cancelled"))
            #expect(!after.text.contains("Cancel run"))
        }
    }

    @Test func theRunsPageFiltersAndPages() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try await Self.submit(client, fixture, token: fixture.aliceToken, task: "hello").id)
            }
            for id in ids { _ = try await Self.waitUntil(client, id: id, token: fixture.aliceToken) { $0.status.isTerminal } }
            let visitor = DashboardVisitor(client)
            try await visitor.signIn(token: fixture.aliceToken)

            let all = try await visitor.get("/runs")
            for id in ids { #expect(all.text.contains(id)) }
            for column in ["Status", "Task", "Project", "User", "Started", "Duration"] {
                #expect(all.text.contains("<th scope=\"col\">\(column)</th>"))
            }

            // Two per page: the newest two, then a link to the third.
            let first = try await visitor.get("/runs?limit=2")
            #expect(first.text.contains(ids[2]) && first.text.contains(ids[1]) && !first.text.contains(ids[0]))
            let link = try #require(first.text.range(of: #"href="(/runs\?[^"]*cursor=[^"]*)" rel="next""#, options: .regularExpression))
            let href = String(first.text[link]).replacingOccurrences(of: "href=\"", with: "")
                .replacingOccurrences(of: "\" rel=\"next\"", with: "").replacingOccurrences(of: "&amp;", with: "&")
            let second = try await visitor.get(href)
            #expect(second.status == .ok)
            #expect(second.text.contains(ids[0]) && !second.text.contains(ids[2]))
            #expect(!second.text.contains("rel=\"next\""))

            let succeeded = try await visitor.get("/runs?status=succeeded&task=hello&project=dashboard")
            for id in ids { #expect(succeeded.text.contains(id)) }
            #expect(succeeded.text.contains("<option value=\"succeeded\" selected>"))
            let none = try await visitor.get("/runs?status=failed")
            #expect(none.text.contains("No runs match these filters."))
            let otherTask = try await visitor.get("/runs?task=train")
            #expect(!otherTask.text.contains(ids[0]))

            let bad = try await visitor.get("/runs?status=bogus")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("&#39;bogus&#39; is not a run status"))
            #expect(bad.text.contains("one of: queued"))
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func theRunPageShowsStepsTheEscapedLogAndDownloadableArtifacts(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let run = try await Self.submit(client, fixture, token: fixture.aliceToken, task: "hello")
            let finished = try await Self.waitUntil(client, id: run.id, token: fixture.aliceToken) { $0.status.isTerminal }
            #expect(finished.status == .succeeded)
            let visitor = DashboardVisitor(client)
            try await visitor.signIn(token: fixture.aliceToken)
            let page = try await visitor.get("/runs/\(run.id)")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("status-succeeded"))
            #expect(html.contains("<h2 id=\"steps-heading\">Steps and attempts</h2>"))
            #expect(html.contains(">hello<div>"), "the step's name heads its attempts")
            // The log is in the page, escaped: the task's "<b>" is text, not markup.
            #expect(html.contains("hello &lt;b&gt;from&lt;/b&gt; dashboard"))
            #expect(!html.contains("<b>from</b>"))
            #expect(html.contains("data-ended=\"true\""))
            #expect(!html.contains("Cancel run"))
            #expect(html.contains("href=\"/runs/\(run.id)/download?path=out.txt\""))

            let download = try await visitor.get("/runs/\(run.id)/download?path=out.txt")
            #expect(download.status == .ok)
            #expect(download.text == "artifact bytes\n")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"out.txt\"; filename*=UTF-8''out.txt")
            #expect(try await visitor.get("/runs/\(run.id)/download?path=nope.txt").status == .notFound)
            #expect(try await visitor.get("/runs/\(run.id)/download").status == .badRequest)

            // The log route for the page's script speaks the API's NDJSON, offsets included.
            let log = try await visitor.get("/runs/\(run.id)/log?from=0")
            #expect(log.headers[.contentType] == "application/x-ndjson")
            let api = try await client.send(.get, "/v1/runs/\(run.id)/logs?from=0", token: fixture.aliceToken)
            #expect(log.text == api.text)
        }
    }

    @Test func theSecretsPageListsNamesNeverValues() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            let value = "v4lue-" + UUID().uuidString
            let encoded = Data(value.utf8).base64EncodedString()
            #expect(try await client.send(.put, "/v1/secrets/storagesecret", token: fixture.aliceToken, json: #"{"value":"\#(encoded)"}"#).status == .noContent)
            #expect(try await client.send(.put, "/v1/secrets/bobsecret", token: fixture.bobToken, json: #"{"value":"\#(encoded)"}"#).status == .noContent)
            let visitor = DashboardVisitor(client)
            try await visitor.signIn(token: fixture.aliceToken)
            let page = try await visitor.get("/secrets")
            #expect(page.text.contains("<code>storagesecret</code>"))
            #expect(!page.text.contains("bobsecret"))
            #expect(!page.text.contains(value) && !page.text.contains(encoded))
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func schedulesAndProjectsShowWhatTheAPIHasAndOnlyTheOwnersOwn(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let projectFile = """
                projectname: nightly
                recurring_tasks:
                  retrain:
                    taskref: hello
                    schedule: '30 2 * * *'
                tasks:
                  hello:
                    runcommand: echo scheduled
                """
            let push = PushRequest(manifest: try fixture.project(["ame.yaml": projectFile]))
            let pushed = try await client.send(.post, "/v1/schedules/push", token: fixture.aliceToken,
                                               json: String(decoding: try WireFormat.encoder().encode(push), as: UTF8.self))
            #expect(pushed.status == .created, "\(pushed.text)")
            let fired = try await client.send(.post, "/v1/schedules/nightly/retrain/run", token: fixture.aliceToken)
            #expect(fired.status == .created, "\(fired.text)")
            let firing = try WireFormat.decoder().decode(ScheduleFiring.self, from: Data(fired.text.utf8))
            let runID = try #require(firing.runID)

            let alice = DashboardVisitor(client)
            try await alice.signIn(token: fixture.aliceToken)
            let schedules = try await alice.get("/schedules")
            #expect(schedules.status == .ok)
            #expect(schedules.text.contains("href=\"/schedules\" aria-current=\"page\""))
            #expect(schedules.text.contains("<a href=\"/schedules/nightly/retrain\">nightly/retrain</a>"), "\(schedules.text)")
            #expect(schedules.text.contains("<code>30 2 * * *</code>"))
            // The next firing is a real time (the browser shows it in local time).
            #expect(schedules.text.contains("<time datetime=\""))
            #expect(schedules.text.contains("href=\"/runs/\(runID)\""))

            let history = try await alice.get("/schedules/nightly/retrain")
            #expect(history.status == .ok)
            #expect(history.text.contains("<h1>nightly/retrain</h1>"))
            #expect(history.text.contains("<td>manual</td>"), "\(history.text)")
            #expect(history.text.contains("href=\"/runs/\(runID)\""))

            let projects = try await alice.get("/projects")
            #expect(projects.status == .ok)
            #expect(projects.text.contains("<th scope=\"row\">nightly</th>"), "\(projects.text)")
            #expect(projects.text.contains("pushed with <code>ame schedule push</code>"))
            #expect(projects.text.contains("<td>valid</td>"))
            #expect(projects.text.contains("<a href=\"/schedules/nightly/retrain\">retrain</a>"))

            // Bob has none of it, and alice's schedule is not found for him.
            let bob = DashboardVisitor(client)
            try await bob.signIn(token: fixture.bobToken)
            #expect(try await bob.get("/schedules").text.contains("You have no schedules."))
            #expect(try await bob.get("/projects").text.contains("You track no projects."))
            #expect(try await bob.get("/schedules/nightly/retrain").status == .notFound)
            #expect(!(try await bob.get("/schedules").text.contains("nightly")))
        }
    }
}
