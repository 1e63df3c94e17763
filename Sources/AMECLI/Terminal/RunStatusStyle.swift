import AMECore

/// A run's status as tables and summaries show it.
enum RunStatusStyle {
    /// Colour plus a symbol, so the status also reads without colour.
    static func colored(_ status: RunStatus, style: Style) -> String {
        switch status {
        case .succeeded: style.green("✓ succeeded")
        case .failed: style.red("✗ failed")
        case .lost: style.red("? lost")
        case .cancelled: style.yellow("■ cancelled")
        case .running: style.blue("▶ running")
        case .preparing: style.blue("… preparing")
        case .queued: style.dim("⏳ queued")
        case .skipped: style.dim("- skipped")
        }
    }
}
