import Foundation

/// The wall clock.
public struct SystemScheduleClock: ScheduleClock {
    public init() {}
    public func now() -> Date { Date() }
}
