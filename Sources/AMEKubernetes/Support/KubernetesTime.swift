import Foundation

/// Kubernetes timestamps: RFC 3339 in UTC, whole seconds in objects (`2024-05-01T12:00:00Z`),
/// nanoseconds in log lines (`2024-05-01T12:00:00.123456789Z`).
public enum KubernetesTime {
    /// Parses either form; fractions beyond microseconds are dropped.
    public static func parse(_ text: some StringProtocol) -> Date? {
        let text = String(text)
        guard text.hasSuffix("Z") || text.contains("+") || text.dropFirst(19).contains("-") else { return nil }
        var base = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            var end = text.index(after: dot)
            while end < text.endIndex, text[end].isNumber { end = text.index(after: end) }
            fraction = Double("0" + text[dot..<end]) ?? 0
            base = String(text[..<dot]) + String(text[end...])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: base).map { $0.addingTimeInterval(fraction) }
    }

    /// Whole seconds, as objects carry them.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
