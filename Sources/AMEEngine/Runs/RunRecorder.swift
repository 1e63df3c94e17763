import AMECore
import AMESystem
import Foundation

/// Every record the coordinator keeps of a run's progress (statuses, steps, attempts)
/// goes through here. A write the database refuses does not stop the run's steps on the
/// spot, but nothing new starts after it, and the run then ends failed, saying what could
/// not be recorded: a run whose state is not on record is never reported as succeeded.
final class RunRecorder: Sendable {
    private let failures = Locked<String?>(nil)

    /// Runs `write`; a failure is remembered (the first one) as "could not record WHAT: …".
    func record(_ what: String, _ write: () throws -> Void) {
        do {
            try write()
        } catch {
            failures.withLock { first in
                if first == nil { first = "could not record \(what): \(error)" }
            }
        }
    }

    /// The first write that failed, as a sentence; nil while all went through.
    var failure: String? { failures.withLock { $0 } }
}
