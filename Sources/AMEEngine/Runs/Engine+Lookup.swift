import Foundation

extension Engine {
    /// A run with what it takes to execute it (its task, request and owner), for executors
    /// outside this module: the Kubernetes executor builds each Pod from it.
    public func storedRun(_ id: String) throws -> StoredRun? {
        try store.storedRun(id)
    }
}
