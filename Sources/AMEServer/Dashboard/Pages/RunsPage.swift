import AMECore
import Foundation

/// The runs list: filters (status, task, project; everyone's runs for an admin), a table,
/// and paging with the API's cursor.
enum RunsPage {
    static func render(_ page: RunPage, query: RunQuery, limitGiven: Bool, session: DashboardSession, serverName: String,
                       now: Date = Date()) -> HTML {
        let filters: [(String, String?)] = [
            ("status", query.status?.rawValue), ("task", query.task), ("project", query.project),
            ("all", query.allUsers ? "true" : nil), ("limit", limitGiven ? String(query.limit) : nil),
        ]
        let table: HTML
        if page.runs.isEmpty {
            let filtered = query.status != nil || query.task != nil || query.project != nil
            table = filtered
                ? "<p class=\"empty\">No runs match these filters.</p>"
                : "<p class=\"empty\">No runs yet. Start one with <code>ame run TASK</code>.</p>"
        } else {
            let rows = page.runs.map { row($0, now: now) }
            table = """
                <div class="table-scroll">
                <table class="runs">
                <caption class="visually-hidden">Runs, newest first</caption>
                <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Task</th><th scope="col">Project</th><th scope="col">User</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
                <tbody>\(rows)</tbody>
                </table>
                </div>
                """
        }
        var paging: [HTML] = []
        if query.cursor != nil {
            paging.append("<a href=\"/runs\(DashboardLink.query(filters))\">← Newest</a>")
        }
        if let next = page.nextCursor {
            paging.append("<a href=\"/runs\(DashboardLink.query(filters + [("cursor", Optional(next))]))\" rel=\"next\">Older runs →</a>")
        }
        let pagingNav: HTML = paging.isEmpty ? .empty : "<nav class=\"paging\" aria-label=\"Pages\">\(HTML.join(paging, separator: " "))</nav>"
        let main: HTML = """
            <h1>Runs</h1>
            \(filterForm(query, admin: session.caller.admin))
            \(table)
            \(pagingNav)
            """
        return DashboardLayout.page(title: "Runs", session: session, section: .runs, serverName: serverName, main: main)
    }

    static func row(_ run: RunRecord, now: Date) -> HTML {
        let reason: HTML = run.reason.map { "<div class=\"reason\">\($0)</div>" } ?? .empty
        return """
            <tr>
            <td><a href="\(DashboardLink.run(run.id))"><code>\(run.id)</code></a></td>
            <td>\(DashboardFormat.status(run.status))\(reason)</td>
            <td>\(run.task)</td>
            <td>\(run.project)</td>
            <td>\(run.owner)</td>
            <td>\(DashboardFormat.time(run.startedAt ?? run.createdAt))</td>
            <td>\(DashboardFormat.duration(from: run.startedAt, to: run.finishedAt, now: now))</td>
            </tr>
            """
    }

    static func filterForm(_ query: RunQuery, admin: Bool) -> HTML {
        let statuses: [RunStatus?] = [nil] + RunStatus.allCases.map { $0 }
        let options = statuses.map { status -> HTML in
            let selected: HTML = status == query.status ? " selected" : ""
            return "<option value=\"\(status?.rawValue ?? "")\"\(selected)>\(status?.rawValue ?? "any")</option>"
        }
        let checked: HTML = query.allUsers ? " checked" : ""
        let everyone: HTML = admin
            ? "<div class=\"field checkbox\"><input type=\"checkbox\" id=\"filter-all\" name=\"all\" value=\"true\"\(checked)><label for=\"filter-all\">All users</label></div>"
            : .empty
        return """
            <form method="get" action="/runs" class="filters" role="search" aria-label="Filter runs">
            <div class="field"><label for="filter-status">Status</label><select id="filter-status" name="status">\(options)</select></div>
            <div class="field"><label for="filter-task">Task</label><input id="filter-task" name="task" value="\(query.task ?? "")"></div>
            <div class="field"><label for="filter-project">Project</label><input id="filter-project" name="project" value="\(query.project ?? "")"></div>
            \(everyone)
            <div class="field actions"><button type="submit">Filter</button> <a href="/runs">Clear</a></div>
            </form>
            """
    }
}
