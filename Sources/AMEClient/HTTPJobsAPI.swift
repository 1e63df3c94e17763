import AMECore
import struct Crypto.SHA256
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The jobs API of an `ame-server`, over HTTP: what `ame` uses once `ame setup URL` has
/// configured a server. JSON calls go through a shared URLSession; blob uploads stream from
/// the file; blob downloads and logs stream through a data delegate; a log stream that drops
/// reconnects from the last `next` offset it delivered, so nothing is lost or repeated.
public final class HTTPJobsAPI: JobsAPI, @unchecked Sendable {
    public let baseURL: URL
    let token: String?
    let session: URLSession
    let encoder = WireFormat.encoder()

    /// How often a dropped log stream is retried without any progress before giving up.
    public var maxReconnects = 8

    public init(baseURL: URL, token: String?) {
        self.baseURL = baseURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 600
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// "https://ame.example" as the user wrote it, for messages.
    public var displayURL: String {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    // MARK: - Meta

    public struct Health: Codable, Sendable {
        public var status: String
        public var version: String
    }

    /// `GET /healthz`: is an ame-server answering at this URL?
    public func health() async throws -> Health {
        try await call("GET", "/healthz", authenticated: false)
    }

    public func whoami() async throws -> Identity {
        var identity: Identity = try await call("GET", "/v1/whoami")
        identity.server = displayURL
        return identity
    }

    // MARK: - Blobs

    struct MissingRequest: Codable { var digests: [Digest] }
    struct MissingResponse: Codable { var missing: [Digest] }

    public func missingBlobs(_ digests: [Digest]) async throws -> [Digest] {
        var missing: [Digest] = []
        // Large projects go in slices the server accepts.
        var start = 0
        repeat {
            let slice = Array(digests[start..<min(digests.count, start + 50_000)])
            let response: MissingResponse = try await call("POST", "/v1/blobs/missing", body: MissingRequest(digests: slice))
            missing += response.missing
            start += 50_000
        } while start < digests.count
        return missing
    }

    public func uploadBlob(_ digest: Digest, from file: URL) async throws {
        var request = try makeRequest("PUT", "/v1/blobs/\(digest.hex)")
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await perform { try await self.session.upload(for: request, fromFile: file) }
        try check(response, data)
    }

    public func downloadBlob(_ digest: Digest, to file: URL) async throws {
        let request = try makeRequest("GET", "/v1/blobs/\(digest.hex)")
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scratch = directory.appendingPathComponent(".\(file.lastPathComponent).ame-\(UUID().uuidString.prefix(8))")
        guard FileManager.default.createFile(atPath: scratch.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw APIError(.internal, "cannot write \(scratch.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: scratch)
            defer { try? handle.close() }
            var hasher = SHA256()
            var status = 0
            var errorBody = Data()
            do {
                for try await part in URLSession.stream(request, configuration: Self.streamingConfiguration()) {
                    switch part {
                    case .response(let response): status = response.statusCode
                    case .data(let data):
                        if (200..<300).contains(status) {
                            hasher.update(data: data)
                            try handle.write(contentsOf: data)
                        } else {
                            errorBody.append(data)
                        }
                    }
                }
            } catch {
                throw transportError(error)
            }
            guard (200..<300).contains(status) else { throw httpError(status: status, body: errorBody) }
            let actual = Digest(bytes: hasher.finalize())
            guard actual == digest else {
                throw APIError(.internal, "blob \(digest.short) arrived damaged (its content hashes to \(actual.short))",
                               hint: "try again; if it repeats, the server's blob store needs checking")
            }
            try handle.synchronize()
            chmod(scratch.path, 0o644)
            guard rename(scratch.path, file.path) == 0 else {
                throw APIError(.internal, "cannot write \(file.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(scratch.path)
            throw error
        }
    }

    // MARK: - Runs

    public func submitRun(_ request: RunRequest) async throws -> RunRecord {
        try await call("POST", "/v1/runs", body: request)
    }

    public func listRuns(_ query: RunQuery) async throws -> RunPage {
        var items = [URLQueryItem(name: "limit", value: String(query.limit))]
        if let cursor = query.cursor { items.append(URLQueryItem(name: "cursor", value: cursor)) }
        if let status = query.status { items.append(URLQueryItem(name: "status", value: status.rawValue)) }
        if let task = query.task { items.append(URLQueryItem(name: "task", value: task)) }
        if let project = query.project { items.append(URLQueryItem(name: "project", value: project)) }
        if query.allUsers { items.append(URLQueryItem(name: "all", value: "true")) }
        return try await call("GET", "/v1/runs", query: items)
    }

    public func getRun(_ id: String) async throws -> RunRecord {
        try await call("GET", "/v1/runs/\(Self.escape(id))")
    }

    public func cancelRun(_ id: String) async throws -> RunRecord {
        try await call("POST", "/v1/runs/\(Self.escape(id))/cancel")
    }

    struct ArtifactList: Codable { var artifacts: [ArtifactRecord] }

    public func artifacts(_ id: String) async throws -> [ArtifactRecord] {
        let list: ArtifactList = try await call("GET", "/v1/runs/\(Self.escape(id))/artifacts")
        return list.artifacts
    }

    public func logs(_ id: String, from offset: Int64, follow: Bool) -> AsyncThrowingStream<LogEvent, any Error> {
        LogStreamReader(api: self, runID: id, from: offset, follow: follow).stream()
    }

    // MARK: - Secrets

    struct SecretValue: Codable { var value: Data }
    struct SecretList: Codable { var secrets: [SecretInfo] }

    public func setSecret(_ name: String, value: Data) async throws {
        let _: Empty = try await call("PUT", "/v1/secrets/\(Self.escape(name))", body: SecretValue(value: value))
    }

    public func listSecrets() async throws -> [SecretInfo] {
        let list: SecretList = try await call("GET", "/v1/secrets")
        return list.secrets
    }

    public func deleteSecret(_ name: String) async throws {
        let _: Empty = try await call("DELETE", "/v1/secrets/\(Self.escape(name))")
    }

    // MARK: - Tokens (admins)

    public func createToken(user: String, admin: Bool, description: String?) async throws -> CreatedToken {
        try await call("POST", "/v1/tokens", body: TokenRequest(user: user, admin: admin, description: description))
    }

    public func listTokens() async throws -> [TokenInfo] {
        let list: TokenList = try await call("GET", "/v1/tokens")
        return list.tokens
    }

    @discardableResult
    public func revokeToken(id: String) async throws -> TokenInfo {
        try await call("DELETE", "/v1/tokens/\(Self.escape(id))")
    }

    // MARK: - Plumbing

    /// For the session of one streamed exchange (a download, a log).
    static func streamingConfiguration() -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 600
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        return configuration
    }

    struct Empty: Decodable {}
    struct NoBody: Encodable {}

    func url(_ path: String, query: [URLQueryItem] = []) throws -> URL {
        var text = displayURL + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query
            text += "?" + (components.percentEncodedQuery ?? "")
        }
        guard let url = URL(string: text) else { throw APIError(.invalidRequest, "'\(text)' is not a valid URL") }
        return url
    }

    func makeRequest(_ method: String, _ path: String, query: [URLQueryItem] = [], authenticated: Bool = true) throws -> URLRequest {
        var request = URLRequest(url: try url(path, query: query))
        request.httpMethod = method
        if authenticated, let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        return request
    }

    func call<Response: Decodable>(_ method: String, _ path: String, query: [URLQueryItem] = [], authenticated: Bool = true) async throws -> Response {
        try await call(method, path, query: query, body: Optional<NoBody>.none, authenticated: authenticated)
    }

    func call<Response: Decodable, Body: Encodable>(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Body?,
                                                     authenticated: Bool = true) async throws -> Response {
        var request = try makeRequest(method, path, query: query, authenticated: authenticated)
        if let body {
            request.httpBody = try encoder.encode(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await perform { try await self.session.data(for: request) }
        try check(response, data)
        if Response.self == Empty.self { return Empty() as! Response }
        do {
            return try WireFormat.decoder().decode(Response.self, from: data)
        } catch {
            throw APIError(.internal, "the server at \(displayURL) sent an answer this ame cannot read (\(error))",
                           hint: "is it an ame-server of the same version? 'ame whoami' checks the connection")
        }
    }

    /// Runs a URLSession call, turning transport failures into sentences.
    func perform(_ body: () async throws -> (Data, URLResponse)) async throws -> (Data, URLResponse) {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch {
            throw transportError(error)
        }
    }

    func check(_ response: URLResponse, _ data: Data) throws {
        guard let http = response as? HTTPURLResponse else {
            throw APIError(.unavailable, "\(displayURL) did not answer over HTTP")
        }
        guard (200..<300).contains(http.statusCode) else { throw httpError(status: http.statusCode, body: data) }
    }

    struct ErrorEnvelope: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
            var hint: String?
            var diagnostics: [Diagnostic]?
        }
        var error: Detail
    }

    /// The server's `{"error": …}` as an `APIError`, with the CLI's sentences for the usual cases.
    func httpError(status: Int, body: Data) -> APIError {
        let detail = try? WireFormat.decoder().decode(ErrorEnvelope.self, from: body).error
        let code = detail.flatMap { APIError.Code(rawValue: $0.code) }
        if status == 401 || code == .unauthorized {
            return APIError(.unauthorized, "the server refused the token\(detail.map { ": \($0.message)" } ?? "")",
                            hint: "run 'ame setup \(displayURL) --token …' with a token from the server's admin")
        }
        guard let detail, let code else {
            return APIError(status >= 500 ? .unavailable : .invalidRequest,
                            "\(displayURL) answered HTTP \(status) (\(HTTPURLResponse.localizedString(forStatusCode: status)))",
                            hint: "is an ame-server running at that URL? 'ame setup URL' points ame at another one")
        }
        return APIError(code, detail.message, hint: detail.hint, diagnostics: detail.diagnostics)
    }

    /// "cannot reach https://…: connection refused".
    func transportError(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        let reason: String
        if let urlError = error as? URLError {
            switch urlError.code {
            case .cannotConnectToHost: reason = "connection refused"
            case .cannotFindHost, .dnsLookupFailed: reason = "no such host"
            case .timedOut: reason = "timed out"
            case .networkConnectionLost: reason = "the connection was lost"
            case .notConnectedToInternet: reason = "no network"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                 .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
                reason = "the TLS connection failed (\(urlError.localizedDescription))"
            case .cancelled: reason = "cancelled"
            default: reason = urlError.localizedDescription
            }
        } else {
            reason = "\(error)"
        }
        return APIError(.unavailable, "cannot reach \(displayURL): \(reason)",
                        hint: "check that ame-server runs there; 'ame setup --use NAME' switches servers, '--local' uses this machine")
    }

    static func escape(_ component: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }
}
