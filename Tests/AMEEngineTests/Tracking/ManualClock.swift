import AMEEngine
import Foundation

/// A clock the test sets: the scheduler's "now" without waiting for it.
final class ManualClock: ScheduleClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    func now() -> Date { lock.withLock { current } }

    func set(_ date: Date) { lock.withLock { current = date } }

    /// 2026-03-02 HH:MM:SS UTC.
    static func at(_ hour: Int, _ minute: Int, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: 2026, month: 3, day: 2, hour: hour, minute: minute, second: second))!
    }
}
