import AMECore
import Foundation

/// The caller's tracked projects: where they come from, the last commit fetched, whether
/// its `ame.yaml` validates (with the problems when not), and the schedules registered.
enum ProjectsPage {
    static func render(_ sources: [TrackedSource], session: DashboardSession, serverName: String) -> HTML {
        let body: HTML
        if sources.isEmpty {
            body = """
                <p>You track no projects. <code>ame project track GIT-URL</code> has the server poll a repository and run its \
                <code>recurring_tasks</code>; <code>ame schedule push</code> registers the schedules of a local project.</p>
                """
        } else {
            let rows = sources.sorted { $0.name < $1.name }.map(row)
            body = """
                <table>
                <caption>Your tracked projects</caption>
                <thead><tr><th scope="col">Project</th><th scope="col">Source</th><th scope="col">Last commit</th>\
                <th scope="col">Checked</th><th scope="col">ame.yaml</th><th scope="col">Schedules</th></tr></thead>
                <tbody>\(rows)</tbody>
                </table>
                """
        }
        let main: HTML = """
            <h1>Projects</h1>
            <p class="hint">While a project's newest <code>ame.yaml</code> has errors, the schedules of its last valid one keep running.</p>
            \(body)
            """
        return DashboardLayout.page(title: "Projects", session: session, section: .projects, serverName: serverName, main: main)
    }

    static func row(_ source: TrackedSource) -> HTML {
        let origin: HTML
        switch source.kind {
        case .git:
            let branch: HTML = source.branch.map { " <span class=\"muted\">(\($0))</span>" } ?? ""
            origin = "<code>\(source.url ?? "")</code>\(branch)"
        case .push:
            origin = "pushed with <code>ame schedule push</code>"
        }
        var validation: HTML = "\(source.validationSummary)"
        let errors = source.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            let items = errors.prefix(5).map { diagnostic -> HTML in
                "<li>line \(diagnostic.line), column \(diagnostic.column): \(diagnostic.message)</li>"
            }
            validation = "\(validation)<ul class=\"problems\">\(items)</ul>"
        }
        if let lastError = source.lastError {
            validation = "\(validation)<p class=\"problem\">\(lastError)</p>"
        }
        let schedules = source.schedules.isEmpty
            ? HTML("<span class=\"muted\">none</span>")
            : HTML.join(source.schedules.sorted().map { name in
                "<a href=\"\(DashboardLink.schedule("\(source.name)/\(name)"))\">\(name)</a>"
            }, separator: ", ")
        return """
            <tr><th scope="row">\(source.name)</th><td>\(origin)</td><td>\(DashboardFormat.commit(source.lastCommit))</td><td>\(DashboardFormat.time(source.lastCheckedAt))</td>\
            <td>\(validation)</td><td>\(schedules)</td></tr>
            """
    }
}
