import AMECore
import AsyncHTTPClient
import struct Crypto.SHA256
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The jobs API of an `ame-server`, over HTTP: what `ame` uses once `ame setup URL` has
/// configured a server. Calls go through one shared AsyncHTTPClient (`HTTPTransport`); blob
/// uploads stream from the file; blob downloads and logs are read as the bytes arrive; a log
/// stream that drops reconnects from the last `next` offset it delivered, so nothing is lost
/// or repeated.
public final class HTTPJobsAPI: JobsAPI, @unchecked Sendable {
    public let baseURL: URL
    let token: String?
    let encoder = WireFormat.encoder()
    /// Longest wait for the answer's head of a plain call.
    static let callTimeout: TimeAmount = .seconds(600)

    /// How often a dropped log stream is retried without any progress before giving up.
    public var maxReconnects = 8

    public init(baseURL: URL, token: String?) {
        self.baseURL = baseURL
        self.token = token
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

    /// Many files in one request (`POST /v1/blobs`), which the server stores with one flush.
    public func uploadBlobs(_ files: [(digest: Digest, file: URL)]) async throws {
        guard files.count > 1 else {
            for (digest, file) in files { try await uploadBlob(digest, from: file) }
            return
        }
        var framed: [(digest: Digest, path: String, size: Int64)] = []
        for (digest, file) in files {
            var info = stat()
            guard stat(file.path, &info) == 0 else {
                throw APIError(.internal, "cannot read \(file.path): \(String(cString: strerror(errno)))")
            }
            framed.append((digest, file.path, Int64(info.st_size)))
        }
        var request = try makeRequest("POST", "/v1/blobs")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/octet-stream")
        let body = BlobFrameChunks(files: framed)
        request.body = .stream(body, length: .known(body.length))
        _ = try await exchange(request)
    }

    public func uploadBlob(_ digest: Digest, from file: URL) async throws {
        var request = try makeRequest("PUT", "/v1/blobs/\(digest.hex)")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/octet-stream")
        let size: Int64
        do {
            size = try (FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw APIError(.internal, "cannot read \(file.path): \(error.localizedDescription)")
        }
        request.body = .stream(HTTPTransport.FileChunks(path: file.path), length: .known(size))
        _ = try await exchange(request)
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
            let response = try await send(request, timeout: Self.callTimeout)
            let status = Int(response.status.code)
            var errorBody = Data()
            do {
                for try await buffer in response.body {
                    let data = Data(buffer.readableBytesView)
                    if (200..<300).contains(status) {
                        hasher.update(data: data)
                        try handle.write(contentsOf: data)
                    } else {
                        errorBody.append(data)
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

    struct Empty: Decodable {}
    struct NoBody: Encodable {}

    func url(_ path: String, query: [URLQueryItem] = []) throws -> String {
        var text = displayURL + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query
            text += "?" + (components.percentEncodedQuery ?? "")
        }
        guard URL(string: text) != nil else { throw APIError(.invalidRequest, "'\(text)' is not a valid URL") }
        return text
    }

    func makeRequest(_ method: String, _ path: String, query: [URLQueryItem] = [], authenticated: Bool = true) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: try url(path, query: query))
        request.method = HTTPMethod(rawValue: method)
        if authenticated, let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "application/json")
        return request
    }

    func call<Response: Decodable>(_ method: String, _ path: String, query: [URLQueryItem] = [], authenticated: Bool = true) async throws -> Response {
        try await call(method, path, query: query, body: Optional<NoBody>.none, authenticated: authenticated)
    }

    func call<Response: Decodable, Body: Encodable>(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Body?,
                                                     authenticated: Bool = true) async throws -> Response {
        var request = try makeRequest(method, path, query: query, authenticated: authenticated)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try encoder.encode(body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let data = try await exchange(request)
        if Response.self == Empty.self, let empty = Empty() as? Response { return empty }
        do {
            return try WireFormat.decoder().decode(Response.self, from: data)
        } catch {
            throw APIError(.internal, "the server at \(displayURL) sent an answer this ame cannot read (\(error))",
                           hint: "is it an ame-server of the same version? 'ame whoami' checks the connection")
        }
    }

    /// The largest answer a call reads (a page of runs, the missing digests of a big project).
    static let maxAnswerBytes = 256 << 20

    /// Sends `request` and reads the whole answer; a non-2xx answer becomes the server's error.
    func exchange(_ request: HTTPClientRequest) async throws -> Data {
        let response = try await send(request, timeout: Self.callTimeout)
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw transportError(error)
        }
        let data = Data(body.readableBytesView)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else { throw httpError(status: status, body: data) }
        return data
    }

    /// Sends `request` and returns once the answer's head has come (its body still to read),
    /// turning transport failures into sentences. `timeout` bounds the wait for the head only:
    /// a followed log may stay quiet for hours.
    func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        // Every request of this API goes to `baseURL`'s host (`url(_:query:)`).
        let (client, proxy) = try HTTPTransport.client(for: baseURL)
        do {
            return try await client.execute(request, timeout: timeout)
        } catch {
            throw transportError(error, proxy: proxy)
        }
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
                            "\(displayURL) answered HTTP \(status) (\(HTTPResponseStatus(statusCode: status).reasonPhrase))",
                            hint: "is an ame-server running at that URL? 'ame setup URL' points ame at another one")
        }
        return APIError(code, detail.message, hint: detail.hint, diagnostics: detail.diagnostics)
    }

    /// "cannot reach https://…: connection refused".
    func transportError(_ error: any Error, proxy: ProxyRules.Proxy? = nil) -> APIError {
        if let error = error as? APIError { return error }
        if let proxy {
            return APIError(.unavailable, "cannot reach \(displayURL) through the proxy \(proxy.host):\(proxy.port): \(Self.reason(error))",
                            hint: "the proxy comes from http(s)_proxy/all_proxy; add the server's host to no_proxy to connect directly")
        }
        return APIError(.unavailable, "cannot reach \(displayURL): \(Self.reason(error))",
                        hint: "check that ame-server runs there; 'ame setup --use NAME' switches servers, '--local' uses this machine")
    }

    /// A few words for why a connection failed. NIO's errors carry the errno or the failing
    /// step in their description; these are the cases a user meets.
    static func reason(_ error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was lost"
            case .cancelled: return "cancelled"
            case .proxyAuthenticationRequired: return "the proxy asks for credentials (put them in the proxy URL: http://user:password@host:port)"
            case .invalidProxyResponse: return "the proxy refused the connection"
            case .httpProxyHandshakeTimeout, .socksHandshakeTimeout: return "the proxy did not answer in time"
            default: break
            }
        }
        if let error = error as? IOError {
            return reason(errno: error.errnoCode) ?? "\(error)"
        }
        if let error = error as? NIOConnectionError {
            for failure in error.connectionErrors {
                if let io = failure.error as? IOError, let text = reason(errno: io.errnoCode) { return text }
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty { return "no such host" }
        }
        let text = "\(error)"
        let lower = text.lowercased()
        if lower.contains("refused") { return "connection refused" }
        if lower.contains("timeout") || lower.contains("timed out") { return "timed out" }
        if lower.contains("ssl") || lower.contains("tls") || lower.contains("certificate") { return "the TLS connection failed (\(text))" }
        if lower.contains("lookup") || lower.contains("resolve") || lower.contains("unknown host") || lower.contains("dns") { return "no such host" }
        return text
    }

    static func reason(errno code: Int32) -> String? {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ETIMEDOUT: return "timed out"
        case ECONNRESET, EPIPE: return "the connection was lost"
        case ENETUNREACH, EHOSTUNREACH: return "no route to the host"
        default: return nil
        }
    }

    static func escape(_ component: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }
}
