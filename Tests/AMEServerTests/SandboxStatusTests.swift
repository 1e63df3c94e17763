import AMECore
import AMEServer
import AMETestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Whether runs are sandboxed is said where users look: `whoami` (API and CLI) and the
/// dashboard's footer, with a warning when they are not.
@Suite("The sandbox's status, as users see it")
struct SandboxStatusTests {
    @Test func anUnsandboxedServerSaysSoInWhoamiAndOnEveryDashboardPage() async throws {
        // The in-process fixture's agents read their engine settings: no sandbox.
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            let whoami = try await client.send(.get, "/v1/whoami", token: fixture.aliceToken)
            #expect(whoami.json["sandbox"] as? String == "off")
            let page = try await client.send(.get, "/signin", token: nil)
            #expect(page.text.contains("runs are not sandboxed"), "\(page.text.suffix(400))")
        }
    }

    @Test(.enabled(if: TwoUserServer.bubblewrapInstalled, "needs bubblewrap (apt-get install bubblewrap; .ci/run installs it)"))
    func theCLISaysWhichAndWarnsOnlyWhenNot() async throws {
        for sandboxed in [true, false] {
            let server = try TwoUserServer(sandboxed: sandboxed)
            let identity = try await server.api(server.aliceToken).whoami()
            #expect(identity.sandbox == (sandboxed ? "on" : "off"))
            let printed = try await server.alice.ame(["whoami"])
            #expect(printed.stdout.contains("without a sandbox") == !sandboxed, "\(printed.stdout)")
        }
    }
}
