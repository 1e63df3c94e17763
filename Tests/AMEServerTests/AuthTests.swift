import AMECore
import AMEEngine
import AMEServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route but /healthz needs a valid token; only admins manage tokens and read metrics.
@Suite struct AuthTests {
    /// Every API route the router has, with its path parameters filled in (the dashboard's
    /// pages sign browsers in with a cookie instead: DashboardHTTPTests covers them).
    static func concreteRoutes(_ router: Router<AMERequestContext>) -> [(HTTPRequest.Method, String)] {
        router.routes.map { route in
            var path = route.path.description
            for (name, value) in ["{digest}": String(repeating: "a", count: 64), "{id}": "r-0000", "{name}": "x", "{port}": "8888"] {
                path = path.replacingOccurrences(of: name, with: value)
            }
            // Any other parameter ({source}, …) gets a plain value, so a new route is covered too.
            path = path.replacingOccurrences(of: #"\{[^}/]+\}"#, with: "x", options: .regularExpression)
            if !path.hasPrefix("/") { path = "/" + path }
            return (route.method, path)
        }.filter { !AMEServer.isDashboardPath($0.1) }
    }

    @Test(arguments: HTTPSetup.allCases)
    func everyRouteButHealthzAnswers401WithoutOrWithAWrongToken(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        let routes = Self.concreteRoutes(fixture.router)
        #expect(routes.count >= 15)
        try await fixture.test(setup) { client in
            for (method, path) in routes {
                for token in [nil, "ame_wrong", fixture.aliceToken + "x"] as [String?] {
                    let response = try await client.send(method, path, token: token, json: method == .post || method == .put ? "{}" : nil)
                    if path == "/healthz" {
                        #expect(response.status == .ok, "\(method) \(path)")
                    } else {
                        #expect(response.status == .unauthorized, "\(method) \(path) with \(token ?? "no token") → \(response.status)")
                        #expect(response.errorCode == "unauthorized")
                        #expect(response.headers[.wwwAuthenticate] != nil)
                    }
                }
            }
            // Paths no route has are refused the same way: nothing about them leaks.
            let unknown = try await client.send(.get, "/v1/nothing-here", token: nil)
            #expect(unknown.status == .unauthorized)
            let known = try await client.send(.get, "/v1/nothing-here", token: fixture.aliceToken)
            #expect(known.status == .notFound)
            #expect(known.errorCode == "not_found")
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func whoamiNamesTheTokensUser(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let alice = try await client.send(.get, "/v1/whoami", token: fixture.aliceToken)
            #expect(alice.status == .ok)
            #expect(alice.json["user"] as? String == "alice")
            #expect(alice.json["admin"] as? Bool == false)
            let admin = try await client.send(.get, "/v1/whoami", token: fixture.adminToken)
            #expect(admin.json["admin"] as? Bool == true)
        }
    }

    @Test(arguments: HTTPSetup.allCases)
    func onlyAdminsManageTokensAndARevokedTokenStopsWorkingAtOnce(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let refused = try await client.send(.post, "/v1/tokens", token: fixture.aliceToken, json: #"{"user":"carol"}"#)
            #expect(refused.status == .forbidden)
            #expect(try await client.send(.get, "/v1/tokens", token: fixture.aliceToken).status == .forbidden)
            #expect(try await client.send(.get, "/metrics", token: fixture.aliceToken).status == .forbidden)

            let created = try await client.send(.post, "/v1/tokens", token: fixture.adminToken, json: #"{"user":"carol","description":"ci"}"#)
            #expect(created.status == .created)
            let token = try #require(created.json["token"] as? String)
            let id = try #require((created.json["info"] as? [String: Any])?["id"] as? String)
            #expect(try await client.send(.get, "/v1/whoami", token: token).json["user"] as? String == "carol")

            let list = try await client.send(.get, "/v1/tokens", token: fixture.adminToken)
            #expect(list.status == .ok)
            #expect(!list.text.contains(token))
            #expect(list.text.contains(id))

            #expect(try await client.send(.delete, "/v1/tokens/\(id)", token: fixture.adminToken).status == .ok)
            #expect(try await client.send(.get, "/v1/whoami", token: token).status == .unauthorized)
            #expect(try await client.send(.delete, "/v1/tokens/\(id)", token: fixture.adminToken).status == .notFound)

            let bad = try await client.send(.post, "/v1/tokens", token: fixture.adminToken, json: #"{"user":"no spaces allowed"}"#)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func metricsCountRunsAndRequests() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            _ = try await client.send(.get, "/v1/whoami", token: fixture.aliceToken)
            let metrics = try await client.send(.get, "/metrics", token: fixture.adminToken)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("ame_runs{status=\"queued\"}"))
            #expect(metrics.text.contains("ame_queue_length"))
            #expect(metrics.text.contains("ame_http_request_duration_seconds"))
        }
    }

    @Test func tokensAreRandomAndHashedAndComparedWhole() {
        let first = AccessToken.generate(), second = AccessToken.generate()
        #expect(first != second)
        #expect(first.hasPrefix("ame_") && first.count >= 40)
        #expect(AccessToken.hash(first).count == 64)
        #expect(AccessToken.constantTimeEquals("abc", "abc"))
        #expect(!AccessToken.constantTimeEquals("abc", "abd"))
        #expect(!AccessToken.constantTimeEquals("abc", "abcd"))
    }
}
