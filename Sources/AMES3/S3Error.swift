import Foundation

/// A request S3 refused, or one that never got an answer. The description names the
/// operation, bucket, key and the service's error code, and never credentials.
public struct S3Error: Error, CustomStringConvertible, Sendable {
    /// `ListObjectsV2`, `GetObject`, `PutObject`, `UploadPart`…
    public var operation: String
    public var bucket: String
    /// The object's key (for a listing: the prefix).
    public var key: String?
    /// The HTTP status; nil when no answer came.
    public var status: Int?
    /// The service's error code (`NoSuchBucket`, `InvalidAccessKeyId`, `SlowDown`), or for a
    /// failure without an answer a name for it (`ConnectionFailed`).
    public var code: String
    public var message: String?
    public var requestID: String?
    /// What to do about it, when AME can tell.
    public var hint: String?

    public init(operation: String, bucket: String, key: String?, status: Int?, code: String, message: String?,
                requestID: String? = nil, hint: String? = nil) {
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.hint = hint
    }

    public var description: String {
        // No answer at all: where the service could not be reached is the whole story.
        if status == nil, Self.transportCodes.contains(code), let message {
            return message + (hint.map { " — \($0)" } ?? "")
        }
        var text = "\(operation) on bucket '\(bucket)'"
        if let key, !key.isEmpty { text += operation == "ListObjectsV2" ? ", prefix '\(key)'" : ", key '\(key)'" }
        text += " failed: \(code)"
        if let status { text += " (HTTP \(status))" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let hint { text += " — \(hint)" }
        return text
    }

    /// Whether trying again may succeed: server errors, throttling and lost connections. A
    /// refused connection is not retried: nothing listens there, and the user should know now.
    public var isRetryable: Bool {
        if let status {
            return status >= 500 || status == 429 || Self.retryableCodes.contains(code)
        }
        return code != "Cancelled" && code != "ConnectionRefused"
    }

    /// Codes of requests that got no answer (`S3Client.transportCode`).
    static let transportCodes: Set<String> = ["ConnectionRefused", "ConnectionFailed", "Timeout"]

    static let retryableCodes: Set<String> = [
        "SlowDown", "Throttling", "ThrottlingException", "RequestThrottled", "RequestTimeout",
        "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed",
    ]

    /// Whether the credentials (or their absence) are the likely cause.
    public var isAuthorization: Bool {
        ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "TokenRefreshRequired",
         "AuthorizationHeaderMalformed", "Forbidden"].contains(code) || status == 403
    }
}
