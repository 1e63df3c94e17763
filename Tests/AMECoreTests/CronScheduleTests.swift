import AMECore
import Foundation
import Testing

@Suite("CronSchedule")
struct CronScheduleTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func date(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("bad test date \(text)") }
        return date
    }

    static func iso(_ date: Date?) -> String? {
        date.map { ISO8601DateFormatter().string(from: $0) }
    }

    @Test func wildcardsCoverTheWholeRange() throws {
        let cron = try CronSchedule(parsing: "* * * * *")
        #expect(cron.minute.values == Set(0...59))
        #expect(cron.hour.values == Set(0...23))
        #expect(cron.dayOfMonth.values == Set(1...31))
        #expect(cron.month.values == Set(1...12))
        #expect(cron.dayOfWeek.values == Set(0...6))
        #expect(cron.minute.isWildcard && cron.dayOfWeek.isWildcard)
    }

    @Test("ranges, lists and steps", arguments: [
        ("*/15", Set([0, 15, 30, 45])),
        ("1-5", Set(1...5)),
        ("1,15,30", Set([1, 15, 30])),
        ("10-30/10", Set([10, 20, 30])),
        ("5/15", Set([5, 20, 35, 50])),
        ("0-10/5,59", Set([0, 5, 10, 59])),
        ("7", Set([7])),
        ("*/1", Set(0...59)),
    ])
    func minuteField(text: String, values: Set<Int>) throws {
        let cron = try CronSchedule(parsing: "\(text) * * * *")
        #expect(cron.minute.values == values)
    }

    @Test func namesForMonthsAndWeekdays() throws {
        let cron = try CronSchedule(parsing: "0 9 * jan,JUL mon-fri")
        #expect(cron.month.values == [1, 7])
        #expect(cron.dayOfWeek.values == Set(1...5))
        #expect(try CronSchedule(parsing: "0 0 * * sun").dayOfWeek.values == [0])
        // 7 is Sunday too, as in Vixie cron.
        #expect(try CronSchedule(parsing: "0 0 * * 7").dayOfWeek.values == [0])
        #expect(try CronSchedule(parsing: "0 0 * * 5-7").dayOfWeek.values == [5, 6, 0])
        #expect(try CronSchedule(parsing: "0 0 1 dec *").month.values == [12])
    }

    @Test("shorthands expand to five fields", arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"), ("@DAILY", "0 0 * * *"),
    ])
    func shorthands(shorthand: String, fields: String) throws {
        let short = try CronSchedule(parsing: shorthand)
        let long = try CronSchedule(parsing: fields)
        #expect(short.minute == long.minute)
        #expect(short.hour == long.hour)
        #expect(short.dayOfMonth == long.dayOfMonth)
        #expect(short.month == long.month)
        #expect(short.dayOfWeek == long.dayOfWeek)
        #expect(short.expression == shorthand)
    }

    @Test("next firing in UTC", arguments: [
        ("0 12 * * *", "2025-03-10T08:30:00Z", "2025-03-10T12:00:00Z"),
        // Strictly after: a schedule firing right now fires next tomorrow.
        ("0 12 * * *", "2025-03-10T12:00:00Z", "2025-03-11T12:00:00Z"),
        ("0 12 * * *", "2025-03-10T11:59:30Z", "2025-03-10T12:00:00Z"),
        ("*/15 * * * *", "2025-03-10T08:07:00Z", "2025-03-10T08:15:00Z"),
        ("30 6 * * mon-fri", "2025-06-07T10:00:00Z", "2025-06-09T06:30:00Z"), // Saturday → Monday
        ("0 0 1 * *", "2025-12-15T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("@yearly", "2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("0 0 29 2 *", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z"), // the next leap day
        ("59 23 31 12 *", "2025-01-01T00:00:00Z", "2025-12-31T23:59:00Z"),
    ])
    func nextFiringUTC(expression: String, after: String, expected: String) throws {
        let cron = try CronSchedule(parsing: expression)
        #expect(Self.iso(cron.nextFiring(after: Self.date(after), in: Self.utc)) == expected)
    }

    @Test("day of month and day of week: either one matches when both are restricted")
    func dayOfMonthOrDayOfWeek() throws {
        // June 2025: the 1st is a Sunday, Fridays are the 6th, 13th, 20th and 27th.
        let either = try CronSchedule(parsing: "0 0 10 * fri")
        #expect(Self.iso(either.nextFiring(after: Self.date("2025-06-01T00:00:00Z"), in: Self.utc)) == "2025-06-06T00:00:00Z")
        #expect(Self.iso(either.nextFiring(after: Self.date("2025-06-07T00:00:00Z"), in: Self.utc)) == "2025-06-10T00:00:00Z")
        #expect(Self.iso(either.nextFiring(after: Self.date("2025-06-10T00:00:00Z"), in: Self.utc)) == "2025-06-13T00:00:00Z")
        // Only the weekday restricted: Fridays only.
        let fridays = try CronSchedule(parsing: "0 0 * * fri")
        #expect(Self.iso(fridays.nextFiring(after: Self.date("2025-06-07T00:00:00Z"), in: Self.utc)) == "2025-06-13T00:00:00Z")
        // Only the day restricted: the 10th only.
        let tenth = try CronSchedule(parsing: "0 0 10 * *")
        #expect(Self.iso(tenth.nextFiring(after: Self.date("2025-06-01T00:00:00Z"), in: Self.utc)) == "2025-06-10T00:00:00Z")
        // '*/1' counts as '*' for this rule.
        let starStep = try CronSchedule(parsing: "0 0 */1 * fri")
        #expect(Self.iso(starStep.nextFiring(after: Self.date("2025-06-07T00:00:00Z"), in: Self.utc)) == "2025-06-13T00:00:00Z")
    }

    @Test("next firing in a named time zone follows its clock, summer time included")
    func nextFiringInZone() throws {
        let oslo = try #require(TimeZone(identifier: "Europe/Oslo"))
        let nine = try CronSchedule(parsing: "0 9 * * *")
        // Winter: 09:00 in Oslo is 08:00 UTC; summer: 07:00 UTC.
        #expect(Self.iso(nine.nextFiring(after: Self.date("2025-01-15T00:00:00Z"), in: oslo)) == "2025-01-15T08:00:00Z")
        #expect(Self.iso(nine.nextFiring(after: Self.date("2025-07-15T00:00:00Z"), in: oslo)) == "2025-07-15T07:00:00Z")
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(Self.iso(nine.nextFiring(after: Self.date("2025-01-15T00:00:00Z"), in: newYork)) == "2025-01-15T14:00:00Z")
        // 02:30 does not exist in Oslo on 2025-03-30 (clocks jump from 02:00 to 03:00): skipped.
        let halfPastTwo = try CronSchedule(parsing: "30 2 * * *")
        #expect(Self.iso(halfPastTwo.nextFiring(after: Self.date("2025-03-29T12:00:00Z"), in: oslo)) == "2025-03-31T00:30:00Z")
        // The day boundary is Oslo's: 23:30 UTC on the 14th is already the 15th there.
        let midnight = try CronSchedule(parsing: "0 0 * * *")
        #expect(Self.iso(midnight.nextFiring(after: Self.date("2025-01-14T23:30:00Z"), in: oslo)) == "2025-01-15T23:00:00Z")
    }

    @Test("a schedule that can never fire has no next firing", arguments: ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"])
    func impossible(expression: String) throws {
        let cron = try CronSchedule(parsing: expression)
        #expect(cron.nextFiring(after: Self.date("2025-01-01T00:00:00Z"), in: Self.utc) == nil)
    }

    @Test func firingsInAWindow() throws {
        let hourly = try CronSchedule(parsing: "@hourly")
        let start = Self.date("2025-03-10T00:00:00Z")
        let firings = hourly.firings(after: start, until: Self.date("2025-03-11T00:00:00Z"), in: Self.utc)
        #expect(firings.count == 24)
        #expect(Self.iso(firings.first) == "2025-03-10T01:00:00Z")
        #expect(Self.iso(firings.last) == "2025-03-11T00:00:00Z")
        #expect(hourly.firings(after: start, until: Self.date("2025-04-10T00:00:00Z"), in: Self.utc, limit: 5).count == 5)
    }

    @Test("invalid expressions name the problem and where it is", arguments: [
        ("0 25 * * *", "25 is out of range for the hour field (0-23)", 2),
        ("60 * * * *", "60 is out of range for the minute field (0-59)", 0),
        ("0 0 0 * *", "0 is out of range for the day of month field (1-31)", 4),
        ("0 0 * 13 *", "13 is out of range for the month field (1-12)", 6),
        ("0 0 * * 8", "8 is out of range for the day of week field (0-7)", 8),
        ("0 17-9 * * *", "range 17-9 in the hour field runs backwards", 2),
        ("*/0 * * * *", "step '0' in the minute field is not a positive number", 2),
        ("0 0 * * mon-", "'' is not a valid day of week", 12),
        ("1,,2 * * * *", "empty list entry in the minute field", 2),
        ("0 12 * * mnd", "'mnd' is not a valid day of week", 9),
        ("0 12 * jna *", "'jna' is not a valid month", 7),
        ("x * * * *", "'x' is not a valid minute", 0),
        ("0 12 * *", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week); this one has 4", 0),
        ("0 0 12 * * *", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week); this one has 6", 0),
        ("", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week); this one has 0", 0),
        ("@dayly", "unknown schedule shorthand '@dayly'", 0),
        ("@every 5m", "unknown schedule shorthand '@every 5m'", 0),
    ])
    func invalid(expression: String, message: String, offset: Int) {
        do {
            _ = try CronSchedule(parsing: expression)
            Issue.record("'\(expression)' parsed")
        } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test func hintsPointAtTheFix() {
        func hint(_ expression: String) -> String? {
            do { _ = try CronSchedule(parsing: expression); return nil } catch { return error.hint }
        }
        #expect(hint("@dayly") == "did you mean '@daily'?")
        #expect(hint("0 0 12 * * *") == "seconds are not supported: drop the first field")
        #expect(hint("0 12 * jna *") == "did you mean 'jan'?")
        #expect(hint("0 17-9 * * *") == "write the smaller value first")
    }
}
