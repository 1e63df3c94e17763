import AMECore
import Foundation

/// How the dashboard writes times, durations, sizes and statuses.
enum DashboardFormat {
    /// A `<time>` the browser rewrites into the viewer's local time (dashboard.js); the
    /// text inside, in UTC, is what a reader without JavaScript sees.
    static func time(_ date: Date?) -> HTML {
        guard let date else { return missing }
        let iso = WireFormat.formatDate(date)
        // "2026-11-27T12:00:00.123Z" → "2026-11-27 12:00:00 UTC"
        let plain = iso.prefix(19).replacingOccurrences(of: "T", with: " ") + " UTC"
        return "<time datetime=\"\(iso)\">\(plain)</time>"
    }

    /// "4.2 s", "3 min 05 s", "2 h 07 min"; from `start` to `end` (or now, still going).
    static func duration(from start: Date?, to end: Date?, now: Date = Date()) -> String {
        guard let start else { return "—" }
        let seconds = max(0, (end ?? now).timeIntervalSince(start))
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole % 3600 / 60)
    }

    /// "812 B", "4.0 KiB", "1.5 MiB".
    static func bytes(_ count: Int64) -> String {
        if count < 1024 { return "\(count) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }

    /// What a cell shows when there is nothing to show.
    static let missing: HTML = "<span class=\"muted\">—</span>"

    /// A commit as its first 12 characters, or `missing`.
    static func commit(_ commit: String?) -> HTML {
        commit.map { "<code>\(String($0.prefix(12)))</code>" } ?? missing
    }

    /// A link to a run's page, or `missing`.
    static func runLink(_ id: String?) -> HTML {
        id.map { "<a href=\"\(DashboardLink.run($0))\"><code>\($0)</code></a>" } ?? missing
    }

    /// A status as a badge whose word and symbol say it without colour.
    static func status(_ status: RunStatus) -> HTML {
        badge(kind: "status-\(status.rawValue)", symbol: symbol(status), word: status.rawValue)
    }

    /// A schedule firing's outcome, as a badge like a run's status.
    static func firing(_ outcome: ScheduleFiring.Outcome) -> HTML {
        let symbol: String
        switch outcome {
        case .pending: symbol = "◷"
        case .started: symbol = "▶"
        case .skipped: symbol = "–"
        case .queued: symbol = "◔"
        case .missed: symbol = "?"
        case .failed: symbol = "✗"
        }
        return badge(kind: "firing-\(outcome.rawValue)", symbol: symbol, word: outcome.rawValue)
    }

    private static func badge(kind: String, symbol: String, word: String) -> HTML {
        "<span class=\"status \(kind)\"><span class=\"status-symbol\" aria-hidden=\"true\">\(symbol)</span> \(word)</span>"
    }

    static func symbol(_ status: RunStatus) -> String {
        switch status {
        case .queued: "◷"
        case .preparing: "◔"
        case .running: "▶"
        case .succeeded: "✓"
        case .failed: "✗"
        case .cancelled: "⊘"
        case .lost: "?"
        case .skipped: "–"
        }
    }

    static func outcome(_ outcome: AttemptRecord.Outcome?) -> String {
        switch outcome {
        case nil: "—"
        case .exited?: "exited"
        case .outOfMemory?: "killed for memory (OOM)"
        case .timedOut?: "timed out"
        case .cancelled?: "cancelled"
        case .failedToStart?: "could not start"
        case .lost?: "lost"
        }
    }

    static func exitCode(_ code: Int32?) -> String {
        code.map(String.init) ?? "—"
    }
}
