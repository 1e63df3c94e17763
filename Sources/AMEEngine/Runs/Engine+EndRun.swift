import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// How a run ended, as recorded.
    public struct RunEnding: Sendable, Equatable {
        public var status: RunStatus
        public var reason: String?
        public var exitCode: Int32

        public init(_ status: RunStatus, reason: String?, exitCode: Int32) {
            self.status = status
            self.reason = reason
            self.exitCode = exitCode
        }
    }

    /// Ends a run, the one way every run ends (its agent finishing it, recovery finding it
    /// lost, a cancel with no agent to do it): its final status, its capacity released, its
    /// run secrets forgotten, and its log ended (after `note`, when given) so that whoever
    /// follows it stops waiting. Returns false, changing nothing, when the run had ended
    /// already. `log`: the run's open writer, ended and closed here (else one is opened).
    @discardableResult
    public func endRun(_ runID: String, _ ending: RunEnding, note: String? = nil, log: LogWriter? = nil) -> Bool {
        let changed: Bool
        do {
            changed = try store.setStatus(runID, ending.status, reason: ending.reason, exitCode: ending.exitCode)
        } catch {
            // The database refused: the rest still happens, so nothing waits on the run forever.
            changed = true
        }
        guard changed else {
            log?.close()
            return false
        }
        // Failures below leave nothing worse than stale rows that recovery cleans up; there is
        // no one left to tell about them but the agent's own log.
        do { try Admission.releaseAll(runID: runID, store: store) } catch { report("release the capacity of run \(runID)", error) }
        vault.forgetRunSecrets(runID: runID)
        guard let writer = log ?? (try? logs.writer(for: runID)) else { return true }
        if let note { _ = try? writer.append(.system, step: nil, data: Data((note + "\n").utf8)) }
        do { try writer.end(exitCode: ending.exitCode) } catch { report("end the log of run \(runID)", error) }
        writer.close()
        return true
    }

    /// To stderr: the agent's own log (`logs/RUN.agent`), or the server's.
    private func report(_ what: String, _ error: any Error) {
        var line = "ame: could not \(what): \(error)\n"
        _ = line.withUTF8 { POSIXIO.writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
    }
}
