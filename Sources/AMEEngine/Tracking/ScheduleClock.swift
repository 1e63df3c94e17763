import Foundation

/// Where the scheduler reads the time: the system clock in the server, a clock the test
/// moves in tests (so a firing "at 12:01" needs no waiting until 12:01).
public protocol ScheduleClock: Sendable {
    func now() -> Date
}
