import AMECore
@testable import AMEServer
import AMESystem
import Foundation
import Testing

/// Pages rendered from values the HTTP tests cannot easily make: a tracked git repository
/// whose newest ame.yaml has problems, and text that must stay text.
@Suite struct DashboardPagesTests {
    static let session = DashboardSession(caller: Caller(user: "alice", admin: false, tokenID: "tok_x"), csrfToken: "csrf",
                                          createdAt: Date(), lastSeenAt: Date())

    @Test func aTrackedRepositoryWhoseAmeYamlIsInvalidShowsEachProblemWithLineAndColumn() {
        let source = TrackedSource(
            id: "src_1", name: "models", owner: "alice", kind: .git, url: "https://git.example/team/models.git", branch: "main",
            secret: nil, intervalSeconds: 60, lastCommit: "0123456789abcdef0123", lastCheckedAt: Date(), hasProjectFile: true,
            diagnostics: [Diagnostic(file: "ame.yaml", location: SourceLocation(line: 7, column: 14),
                                     message: "task '<script>x</script>' does not exist")],
            scheduledCommit: "fedcba", schedules: ["nightly"], lastError: nil, createdAt: Date())
        let page = ProjectsPage.render([source], session: Self.session, serverName: "test").raw
        #expect(page.contains("invalid (1 error)"))
        #expect(page.contains("line 7, column 14: task &#39;&lt;script&gt;x&lt;/script&gt;&#39; does not exist"))
        #expect(!page.contains("<script>x</script>"))
        #expect(page.contains("<code>https://git.example/team/models.git</code> <span class=\"muted\">(main)</span>"))
        #expect(page.contains("<code>0123456789ab</code>"))
        #expect(page.contains("<a href=\"/schedules/models/nightly\">nightly</a>"))
    }

    @Test("every page's footer names the server and its AME version")
    func theFooterNamesTheServersVersion() {
        let page = ProjectsPage.render([], session: Self.session, serverName: "https://ame.example").raw
        #expect(page.contains("<footer class=\"site-footer\"><p>AME dashboard · https://ame.example · ame-server \(BuildInfo.version) ·"), "\(page)")
    }

    @Test func aFetchFailureIsShownAsWritten() {
        let source = TrackedSource(id: "src_2", name: "private", owner: "alice", kind: .git, url: "ssh://git.example/p.git",
                                   branch: nil, secret: "deploy-key", intervalSeconds: 60,
                                   lastError: "git fetch failed: Permission denied (publickey)", createdAt: Date())
        let page = ProjectsPage.render([source], session: Self.session, serverName: "test").raw
        #expect(page.contains("fetch failed"))
        #expect(page.contains("<p class=\"problem\">git fetch failed: Permission denied (publickey)</p>"))
    }
}
