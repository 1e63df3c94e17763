import AMECore
import AMEEngine
import Foundation
import Hummingbird
import Logging

/// Turns every failure into `{"error": {"code", "message", "hint"}}` with a fitting status:
/// the engine's `APIError`s as they are, Hummingbird's HTTP errors by status, and anything
/// else as a 500 whose details go to the log, not to the client.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AMERequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error)
            if apiError.code == .internal || error is BlobStoreError {
                context.logger.error("request failed", metadata: ["error": "\(String(describing: error))", "path": "\(request.uri.path)"])
            }
            return JSONResponse.error(apiError)
        }
    }

    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as BlobStoreError:
            // The details name the server's files: they go to its log, not to the client.
            return APIError(error, showingDetails: false)
        case let error as LogStoreError:
            return APIError(error)
        case let error as any HTTPResponseError:
            let status = error.status
            switch status.code {
            case 404: return APIError(.notFound, "no such route", hint: "see /v1/openapi.yaml for the API")
            case 405: return APIError(.invalidRequest, "method not allowed on this route")
            case 413: return APIError(.invalidRequest, "the request body is too large")
            case 400..<500: return APIError(.invalidRequest, status.reasonPhrase.isEmpty ? "bad request" : status.reasonPhrase)
            default: return APIError(.internal, "internal error")
            }
        case is DecodingError:
            return APIError(.invalidRequest, "the request body is not what this route expects: \(Self.describe(error))")
        default:
            return APIError(.internal, "internal error", hint: "the server log has the details")
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}

extension APIError {
    static func unauthorizedRequest(_ message: String = "a valid token is required") -> APIError {
        APIError(.unauthorized, message, hint: "run 'ame setup URL --token TOKEN' with a token from the server's admin")
    }
}
