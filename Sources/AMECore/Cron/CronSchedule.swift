import Foundation

/// A 5-field cron expression (`minute hour day-of-month month day-of-week`) or one of the
/// `@hourly`-style shorthands, evaluated in a time zone (UTC unless a schedule names one).
public struct CronSchedule: Hashable, Sendable, CustomStringConvertible {
    public let expression: String
    public let minute: CronField
    public let hour: CronField
    public let dayOfMonth: CronField
    public let month: CronField
    public let dayOfWeek: CronField

    public static let shorthands: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    public init(parsing expression: String) throws(CronField.ParseError) {
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let isShorthand = trimmed.hasPrefix("@")
        var fieldsText = expression
        if isShorthand {
            guard let expanded = Self.shorthands[trimmed.lowercased()] else {
                let suggestion = Suggestion.closest(to: trimmed.lowercased(), in: Self.shorthands.keys.sorted())
                throw CronField.ParseError(
                    message: "unknown schedule shorthand '\(trimmed)'",
                    hint: suggestion.map { "did you mean '\($0)'?" }
                        ?? "use one of @hourly, @daily, @weekly, @monthly, @yearly, or five fields like '0 12 * * *'",
                    offset: 0)
            }
            fieldsText = expanded
        }
        // Split on runs of blanks, remembering where each field starts so an error can
        // point at the field itself.
        var parts: [(text: Substring, offset: Int)] = []
        var index = fieldsText.startIndex
        while index < fieldsText.endIndex {
            if fieldsText[index] == " " || fieldsText[index] == "\t" {
                index = fieldsText.index(after: index)
                continue
            }
            let start = index
            while index < fieldsText.endIndex, fieldsText[index] != " ", fieldsText[index] != "\t" {
                index = fieldsText.index(after: index)
            }
            let offset = isShorthand ? 0 : fieldsText.distance(from: fieldsText.startIndex, to: start)
            parts.append((fieldsText[start..<index], offset))
        }
        guard parts.count == 5 else {
            throw CronField.ParseError(
                message: "a cron schedule has 5 fields (minute hour day-of-month month day-of-week); this one has \(parts.count)",
                hint: parts.count == 6
                    ? "seconds are not supported: drop the first field"
                    : "for example '0 12 * * *' runs at 12:00 every day; '@daily' also works",
                offset: 0)
        }
        var fields: [CronField] = []
        for (kind, part) in zip(CronField.Kind.allCases, parts) {
            fields.append(try CronField.parse(part.text, kind: kind, offset: part.offset))
        }
        self.expression = trimmed
        self.minute = fields[0]
        self.hour = fields[1]
        self.dayOfMonth = fields[2]
        self.month = fields[3]
        self.dayOfWeek = fields[4]
    }

    public var description: String { expression }

    /// Whether the schedule fires on this calendar day (the day-of-month and
    /// day-of-week fields match either way when both are restricted, as cron does).
    func matchesDay(dayOfMonth day: Int, month: Int, weekday: Int) -> Bool {
        guard self.month.matches(month) else { return false }
        switch (dayOfMonth.isWildcard, dayOfWeek.isWildcard) {
        case (true, true): return true
        case (true, false): return dayOfWeek.matches(weekday)
        case (false, true): return dayOfMonth.matches(day)
        case (false, false): return dayOfMonth.matches(day) || dayOfWeek.matches(weekday)
        }
    }

    /// The first firing strictly after `date`, in `timeZone`. Nil when the schedule can
    /// never fire (such as `0 0 31 2 *`) within the next eight years.
    public func nextFiring(after date: Date, in timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let sortedHours = hour.values.sorted()
        let sortedMinutes = minute.values.sorted()
        // Start at the next whole minute.
        guard let startMinute = calendar.dateInterval(of: .minute, for: date)?.end else { return nil }
        var day = calendar.startOfDay(for: startMinute)
        for _ in 0..<(366 * 8) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let dayNumber = parts.day, let monthNumber = parts.month, let weekday = parts.weekday,
               matchesDay(dayOfMonth: dayNumber, month: monthNumber, weekday: weekday - 1) {
                for hourValue in sortedHours {
                    for minuteValue in sortedMinutes {
                        var components = DateComponents()
                        components.year = parts.year
                        components.month = monthNumber
                        components.day = dayNumber
                        components.hour = hourValue
                        components.minute = minuteValue
                        guard let candidate = calendar.date(from: components), candidate >= startMinute else { continue }
                        // Skip wall-clock times that do not exist (a DST gap moves them).
                        let check = calendar.dateComponents([.hour, .minute], from: candidate)
                        guard check.hour == hourValue, check.minute == minuteValue else { continue }
                        return candidate
                    }
                }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = next
        }
        return nil
    }

    /// Firings in `(after, until]`, oldest first, at most `limit` of them.
    public func firings(after start: Date, until end: Date, in timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current, limit: Int = 1000) -> [Date] {
        var result: [Date] = []
        var cursor = start
        while result.count < limit, let next = nextFiring(after: cursor, in: timeZone), next <= end {
            result.append(next)
            cursor = next
        }
        return result
    }
}
