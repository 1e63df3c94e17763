import AMECore
import Foundation
import Hummingbird
import NIOCore

/// JSON in and out, in the wire format the client shares.
enum JSONResponse {
    static let encoder = WireFormat.encoder()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var hint: String?
            var diagnostics: [Diagnostic]?
        }
        var error: Detail
    }

    static func error(_ error: APIError) -> Response {
        let body = ErrorBody(error: .init(code: error.code.rawValue, message: error.message, hint: error.hint, diagnostics: error.diagnostics))
        let data = (try? encoder.encode(body)) ?? Data(#"{"error":{"code":"internal","message":"internal error"}}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"ame\"" }
        return Response(status: HTTPResponse.Status(code: error.code.httpStatus), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// The body decoded as JSON (at most `limit` bytes).
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 64 << 20) async throws -> T {
        // A body of another type is not read as JSON by accident (a form, plain text).
        if let type = headers[.contentType] {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json")) else {
                throw APIError(.unsupportedMediaType, "this route reads JSON, not '\(type.prefix(100))'",
                               hint: "send the body with Content-Type: application/json")
            }
        }
        let buffer = try await collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else {
            throw APIError(.invalidRequest, "the request needs a JSON body")
        }
        do {
            return try buffer.withUnsafeReadableBytes { bytes in
                try WireFormat.decoder().decode(T.self, from: Data(bytes))
            }
        } catch let error as DecodingError {
            throw APIError(.invalidRequest, "the request body is not what this route expects: \(ErrorMiddleware.describe(error))")
        } catch {
            throw APIError(.invalidRequest, "the request body is not JSON: \(error)")
        }
    }

    func queryValue(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }
}
