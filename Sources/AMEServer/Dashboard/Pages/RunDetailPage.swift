import AMECore
import Foundation

/// One run: its summary, a cancel button while it is active, steps with their attempts
/// (resources, OOM retries, exit codes), the log (the start rendered here, the rest
/// followed live by dashboard.js from the same byte offsets as the API), and artifacts.
/// The sections marked `data-live-region` are refreshed by the script while the run is
/// active, so a status change shows without a reload.
enum RunDetailPage {
    struct LogStart {
        var events: [LogEvent]
        /// Where the script continues (`from`).
        var next: Int64
        var ended: Bool
    }

    static func render(_ run: RunRecord, artifacts: [ArtifactRecord], log: LogStart, session: DashboardSession,
                       serverName: String, now: Date = Date()) -> HTML {
        let active = run.status.isActive ? "true" : "false"
        let ended = log.ended ? "true" : "false"
        let logState = log.ended ? "The log is complete." : "Following the log as it grows…"
        let lines = log.events.map(logLine)
        let main: HTML = """
            <p class="breadcrumb"><a href="/runs">Runs</a> / <code>\(run.id)</code></p>
            <h1>\(run.task) <span class="subtitle">run <code>\(run.id)</code></span></h1>
            <div id="run" data-active="\(active)">
            <div id="actions" data-live-region>\(actions(run, session: session))</div>
            <section id="summary" data-live-region aria-labelledby="summary-heading">
            <h2 id="summary-heading" class="visually-hidden">Summary</h2>
            \(summary(run, now: now))
            </section>
            <section id="steps" data-live-region aria-labelledby="steps-heading">
            <h2 id="steps-heading">Steps and attempts</h2>
            \(steps(run, now: now))
            </section>
            <section aria-labelledby="log-heading">
            <h2 id="log-heading">Log</h2>
            <p id="log-state" class="hint" role="status">\(logState)</p>
            <pre id="log" class="log" tabindex="0" aria-labelledby="log-heading" data-src="\(DashboardLink.run(run.id))/log" data-from="\(log.next)" data-ended="\(ended)">\(lines)</pre>
            </section>
            <section id="artifacts" data-live-region aria-labelledby="artifacts-heading">
            <h2 id="artifacts-heading">Artifacts</h2>
            \(artifactList(run, artifacts))
            </section>
            </div>
            """
        return DashboardLayout.page(title: "\(run.task) \(run.id)", session: session, section: .runs, serverName: serverName, main: main)
    }

    static func actions(_ run: RunRecord, session: DashboardSession) -> HTML {
        guard run.status.isActive else { return .empty }
        return """
            <form method="post" action="\(DashboardLink.run(run.id))/cancel" class="inline">
            \(DashboardLayout.csrfField(session))
            <button type="submit" class="danger" id="cancel-run">Cancel run</button>
            </form>
            """
    }

    static func summary(_ run: RunRecord, now: Date) -> HTML {
        let reason: HTML = run.reason.map { "<div class=\"reason\">\($0)</div>" } ?? .empty
        let portNames: [String] = run.ports.map { port in
            if let name = port.name { return "\(name) \(port.port)" }
            return String(port.port)
        }
        let ports: HTML = run.ports.isEmpty ? .empty : "<div><dt>Ports</dt><dd>\(portNames.joined(separator: ", "))</dd></div>"
        return """
            <dl class="summary">
            <div><dt>Status</dt><dd><span id="run-status">\(DashboardFormat.status(run.status))</span>\(reason)</dd></div>
            <div><dt>Exit code</dt><dd>\(DashboardFormat.exitCode(run.exitCode))</dd></div>
            <div><dt>Project</dt><dd>\(run.project)</dd></div>
            <div><dt>User</dt><dd>\(run.owner)</dd></div>
            <div><dt>Submitted</dt><dd>\(DashboardFormat.time(run.createdAt))</dd></div>
            <div><dt>Started</dt><dd>\(DashboardFormat.time(run.startedAt))</dd></div>
            <div><dt>Finished</dt><dd>\(DashboardFormat.time(run.finishedAt))</dd></div>
            <div><dt>Duration</dt><dd>\(DashboardFormat.duration(from: run.startedAt, to: run.finishedAt, now: now))</dd></div>
            \(ports)
            </dl>
            """
    }

    static func steps(_ run: RunRecord, now: Date) -> HTML {
        guard !run.steps.isEmpty else { return "<p class=\"empty\">No steps yet.</p>" }
        let groups = run.steps.map { step -> HTML in
            let needs: HTML = step.needs.isEmpty ? .empty : "<div class=\"reason\">after \(step.needs.joined(separator: ", "))</div>"
            let header: HTML = "<th scope=\"rowgroup\" rowspan=\"\(max(step.attempts.count, 1))\">\(step.name)\(needs)<div>\(DashboardFormat.status(step.status))</div></th>"
            guard !step.attempts.isEmpty else {
                let reason = step.reason ?? "not started"
                return "<tbody><tr>\(header)<td colspan=\"7\" class=\"muted\">\(reason)</td></tr></tbody>"
            }
            let rows = step.attempts.enumerated().map { index, attempt -> HTML in
                let retried = attempt.outcome == .outOfMemory && index < step.attempts.count - 1
                let outcomeText = DashboardFormat.outcome(attempt.outcome)
                let retry: String = retried ? " — retried with more memory" : ""
                let outcome: HTML = attempt.outcome == .outOfMemory
                    ? "<strong class=\"oom\">\(outcomeText)</strong>\(retry)"
                    : "\(outcomeText)"
                let first: HTML = index == 0 ? header : .empty
                let reason: HTML = attempt.reason.map { "<div class=\"reason\">\($0)</div>" } ?? .empty
                let resources = attempt.resources.isEmpty ? "defaults" : attempt.resources.summary
                return """
                    <tr>\(first)<td>\(attempt.number)</td><td>\(DashboardFormat.status(attempt.status))</td><td>\(resources)</td><td>\(outcome)</td><td>\(DashboardFormat.exitCode(attempt.exitCode))</td><td>\(DashboardFormat.time(attempt.startedAt))</td><td>\(DashboardFormat.duration(from: attempt.startedAt, to: attempt.finishedAt, now: now))\(reason)</td></tr>
                    """
            }
            return "<tbody>\(rows)</tbody>"
        }
        return """
            <div class="table-scroll">
            <table class="steps">
            <thead><tr><th scope="col">Step</th><th scope="col">Attempt</th><th scope="col">Status</th><th scope="col">Resources</th><th scope="col">Outcome</th><th scope="col">Exit code</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
            \(groups)
            </table>
            </div>
            """
    }

    static func artifactList(_ run: RunRecord, _ artifacts: [ArtifactRecord]) -> HTML {
        guard !artifacts.isEmpty else {
            return run.status.isActive
                ? "<p class=\"empty\">Artifacts appear when the run has finished.</p>"
                : "<p class=\"empty\">This run brought back no files.</p>"
        }
        let rows = artifacts.sorted { $0.path < $1.path }.map { artifact -> HTML in
            let name = artifact.path.split(separator: "/").last.map(String.init) ?? artifact.path
            return """
                <tr><td><a href="\(DashboardLink.artifact(run: run.id, path: artifact.path))" download="\(name)">\(artifact.path)</a></td><td>\(DashboardFormat.bytes(artifact.size))</td><td><code title="\(artifact.digest.hex)">\(String(artifact.digest.hex.prefix(12)))</code></td></tr>
                """
        }
        return """
            <table class="artifacts">
            <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col">SHA-256</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
    }

    /// One log event as the script renders it too: a span per event, classed by kind.
    static func logLine(_ event: LogEvent) -> HTML {
        if event.kind == .end {
            return "<span class=\"log-system\">— the run ended with exit code \(DashboardFormat.exitCode(event.exitCode)) —\n</span>"
        }
        let text = String(decoding: event.data, as: UTF8.self)
        return "<span class=\"log-\(event.kind.rawValue)\">\(text)</span>"
    }
}
