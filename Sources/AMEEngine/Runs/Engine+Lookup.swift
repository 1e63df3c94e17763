import Foundation

extension Engine {
    /// A run with what it takes to execute it (its task, request and owner), for executors
    /// outside this module: the Kubernetes executor builds each Pod from it.
    public func storedRun(_ id: String) throws -> StoredRun? {
        try store.storedRun(id)
    }

    /// Runs not yet finished, oldest first: a server that carries runs itself (Kubernetes)
    /// takes them up again after a restart.
    public func activeRuns() throws -> [StoredRun] {
        try store.activeRuns()
    }

    /// Frees what the run holds of the engine's capacity (before its coordinator starts
    /// again in a new process, which admits its steps anew).
    public func releaseCapacity(runID: String) {
        try? Admission.releaseAll(runID: runID, store: store)
    }
}
