import AMESystem
import Foundation

/// The frame of every page: a skip link, the navigation with who is signed in and a
/// sign-out button, the page's `<main>`, and the one stylesheet and script (served by AME
/// itself, so the dashboard works without the internet).
enum DashboardLayout {
    enum Section: String, CaseIterable {
        case runs, schedules, projects, secrets

        var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
        var path: String { "/\(rawValue)" }
    }

    static func page(title: String, session: DashboardSession?, section: Section? = nil, serverName: String, main: HTML) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · AME</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/assets/dashboard.css">
        <script src="/assets/dashboard.js" defer></script>
        </head>
        <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
        <a class="brand" href="/runs">AME</a>
        \(navigation(session: session, section: section))
        </header>
        <main id="main" tabindex="-1">
        \(main)
        </main>
        <footer class="site-footer"><p>AME dashboard · \(serverName) · ame-server \(BuildInfo.version) · times are shown in your local time</p></footer>
        </body>
        </html>

        """
    }

    static func navigation(session: DashboardSession?, section: Section?) -> HTML {
        guard let session else { return .empty }
        let links = Section.allCases.map { item -> HTML in
            let current: HTML = item == section ? " aria-current=\"page\"" : ""
            return "<li><a href=\"\(item.path)\"\(current)>\(item.title)</a></li>"
        }
        let role: HTML = session.caller.admin ? " <span class=\"role\">(admin)</span>" : ""
        return """
            <nav aria-label="Main"><ul>\(links)</ul></nav>
            <div class="account">
            <span>Signed in as <strong>\(session.caller.user)</strong>\(role)</span>
            <form method="post" action="/signout">\(csrfField(session))<button type="submit" class="link-button">Sign out</button></form>
            </div>
            """
    }

    /// The hidden field every state-changing form carries.
    static func csrfField(_ session: DashboardSession) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrfToken)\">"
    }
}
