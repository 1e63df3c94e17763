import AMECore

extension APIError {
    /// A blob store failure in the jobs API's words, the same for the embedded engine and a
    /// server. `showingDetails`: failures of the store itself name its files; the embedded
    /// engine shows them (they are the user's own), a server keeps them for its log.
    public init(_ failure: BlobStoreError, showingDetails: Bool) {
        switch failure {
        case .digestMismatch:
            self.init(.invalidRequest, failure.description)
        case .notFound, .corrupt:
            self.init(.notFound, failure.description)
        default:
            self = showingDetails ? APIError(.internal, failure.description)
                                  : APIError(.internal, "the blob store failed", hint: "the server log has the details")
        }
    }

    /// A log store failure in the jobs API's words: a reader's bad offset or run id is the
    /// request's fault; anything else is the store's.
    public init(_ failure: LogStoreError) {
        switch failure {
        case .notRecordStart, .offsetBeyondEnd, .invalidRunID:
            self.init(.invalidRequest, failure.description)
        default:
            self.init(.internal, "the log store failed: \(failure.description)")
        }
    }

    /// `error` as the jobs API reports it, when it is one of the engine's own failures with a
    /// meaning for the caller (`EmbeddedJobsAPI` throws nothing else of the engine's).
    static func fromEngine(_ error: any Error) -> any Error {
        switch error {
        case let failure as BlobStoreError: return APIError(failure, showingDetails: true)
        case let failure as LogStoreError: return APIError(failure)
        default: return error
        }
    }
}
