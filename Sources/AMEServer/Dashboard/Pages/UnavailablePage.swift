/// Schedules and tracked projects come with the server's schedule store; until this
/// server has one, the page says so rather than showing an empty list as if none existed.
enum UnavailablePage {
    static func render(section: DashboardLayout.Section, session: DashboardSession, serverName: String) -> HTML {
        let what: HTML = section == .schedules
            ? "Recurring tasks (<code>recurring_tasks</code> in <code>ame.yaml</code>), their next firing and their history"
            : "Git-tracked projects, their last commit and whether their <code>ame.yaml</code> validates"
        let main: HTML = """
            <h1>\(section.title)</h1>
            <div class="notice" role="status">
            <p><strong>Not available on this server yet.</strong></p>
            <p>\(what) appear here once this ame-server keeps schedules and tracked projects. This version does not, so there is nothing to list.</p>
            </div>
            """
        return DashboardLayout.page(title: section.title, session: session, section: section, serverName: serverName, main: main)
    }
}
