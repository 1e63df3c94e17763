import AMECore
import Foundation

/// The caller's recurring tasks: cron expression, next firing, the last firing's outcome
/// and run; each links to its history (`ScheduleHistoryPage`).
enum SchedulesPage {
    static func render(_ schedules: [ScheduleInfo], session: DashboardSession, serverName: String) -> HTML {
        let body: HTML
        if schedules.isEmpty {
            body = """
                <p>You have no schedules. They come from <code>recurring_tasks</code> in the <code>ame.yaml</code> of a project \
                the server tracks (<code>ame project track GIT-URL</code>) or that you pushed (<code>ame schedule push</code>).</p>
                """
        } else {
            let rows = schedules.sorted { $0.fullName < $1.fullName }.map(row)
            body = """
                <table>
                <caption>Your schedules, by project and name</caption>
                <thead><tr><th scope="col">Schedule</th><th scope="col">Task</th><th scope="col">When</th><th scope="col">Next firing</th>\
                <th scope="col">Last firing</th><th scope="col">Its run</th></tr></thead>
                <tbody>\(rows)</tbody>
                </table>
                """
        }
        let main: HTML = """
            <h1>Schedules</h1>
            <p class="hint">Fire one now with <code>ame schedule run PROJECT/NAME</code>; <code>ame schedule history</code> prints what this page shows.</p>
            \(body)
            """
        return DashboardLayout.page(title: "Schedules", session: session, section: .schedules, serverName: serverName, main: main)
    }

    static func row(_ schedule: ScheduleInfo) -> HTML {
        let when: HTML = "<code>\(schedule.expression)</code> <span class=\"muted\">(\(schedule.timezone))</span>"
        let last: HTML = schedule.lastFiring.map { firing in "\(DashboardFormat.firing(firing.outcome)) \(DashboardFormat.time(firing.firedAt))" }
            ?? "<span class=\"muted\">never</span>"
        return """
            <tr><th scope="row"><a href="\(DashboardLink.schedule(schedule.fullName))">\(schedule.fullName)</a></th>\
            <td><code>\(schedule.taskRef)</code></td><td>\(when)</td><td>\(DashboardFormat.time(schedule.nextFiring))</td>\
            <td>\(last)</td><td>\(DashboardFormat.runLink(schedule.lastFiring?.runID))</td></tr>
            """
    }
}
