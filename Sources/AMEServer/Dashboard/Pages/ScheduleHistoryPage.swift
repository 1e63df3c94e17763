import AMECore
import Foundation

/// One schedule: what it runs and when, and its firings, newest first.
enum ScheduleHistoryPage {
    static func render(_ schedule: ScheduleInfo, firings: [ScheduleFiring], session: DashboardSession, serverName: String) -> HTML {
        let body: HTML
        if firings.isEmpty {
            body = "<p>It has not fired yet.</p>"
        } else {
            let rows = firings.map { firing -> HTML in
                """
                    <tr><td>\(DashboardFormat.time(firing.scheduledFor))</td><td>\(DashboardFormat.time(firing.firedAt))</td>\
                    <td>\(firing.trigger.rawValue)</td><td>\(DashboardFormat.firing(firing.outcome))</td><td>\(DashboardFormat.runLink(firing.runID))</td>\
                    <td>\(DashboardFormat.commit(firing.commit))</td>\
                    <td>\(firing.reason ?? "")</td></tr>
                    """
            }
            body = """
                <table>
                <caption>Firings, newest first</caption>
                <thead><tr><th scope="col">For</th><th scope="col">Fired</th><th scope="col">Trigger</th><th scope="col">Outcome</th>\
                <th scope="col">Run</th><th scope="col">Commit</th><th scope="col">Why</th></tr></thead>
                <tbody>\(rows)</tbody>
                </table>
                """
        }
        let main: HTML = """
            <p><a href="/schedules">← Schedules</a></p>
            <h1>\(schedule.fullName)</h1>
            <dl class="facts">
            <dt>Task</dt><dd><code>\(schedule.taskRef)</code></dd>
            <dt>When</dt><dd><code>\(schedule.expression)</code> (\(schedule.timezone))</dd>
            <dt>Next firing</dt><dd>\(DashboardFormat.time(schedule.nextFiring))</dd>
            <dt>While a run is going</dt><dd>\(schedule.concurrency.rawValue)</dd>
            <dt>Missed firings</dt><dd>\(schedule.catchup ? "caught up after a restart" : "skipped")</dd>
            <dt>From commit</dt><dd>\(DashboardFormat.commit(schedule.commit))</dd>
            </dl>
            \(body)
            """
        return DashboardLayout.page(title: schedule.fullName, session: session, section: .schedules, serverName: serverName, main: main)
    }
}
