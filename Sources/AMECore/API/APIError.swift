/// A failure the jobs API reports, the same on both transports: a stable code, a sentence,
/// and a hint. Over HTTP it is `{"error": {"code", "message", "hint"}}`.
public struct APIError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, Codable {
        case invalidRequest = "invalid_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case conflict
        case limitExceeded = "limit_exceeded"
        case invalidProject = "invalid_project"
        /// A body that is not of the type the route reads (JSON routes take `application/json`).
        case unsupportedMediaType = "unsupported_media_type"
        case unavailable
        case `internal`

        /// The HTTP status for this code.
        public var httpStatus: Int {
            switch self {
            case .invalidRequest, .invalidProject: 400
            case .unauthorized: 401
            case .forbidden: 403
            case .notFound: 404
            case .conflict: 409
            case .limitExceeded: 422
            case .unsupportedMediaType: 415
            case .unavailable: 503
            case .internal: 500
            }
        }
    }

    public var code: Code
    public var message: String
    public var hint: String?
    /// For `invalidProject`: every problem in the uploaded ame.yaml.
    public var diagnostics: [Diagnostic]?

    public init(_ code: Code, _ message: String, hint: String? = nil, diagnostics: [Diagnostic]? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.diagnostics = diagnostics
    }

    public var description: String { message }

    public static func notFound(_ what: String, hint: String? = nil) -> APIError {
        APIError(.notFound, "\(what) not found", hint: hint)
    }

    /// A service run's port that cannot be reached yet (it is still starting).
    public static func serviceNotReady(runID: String, port: Int) -> APIError {
        APIError(.unavailable, "run \(runID) does not accept connections on port \(port) yet",
                 hint: "wait until 'ame status \(runID)' says running")
    }
}
