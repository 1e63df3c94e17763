import AMESystem
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What AME asks of a container registry, over the OCI distribution API (`/v2/`): does a
/// manifest exist, and which tags does a repository have. Authentication follows the
/// registry's challenge: HTTP Basic, or a Bearer token from the registry's token service
/// (Docker Hub, GHCR, Harbor, GitLab…), with the user's credentials when there are any.
///
/// Registries that allow it (loopback ones, those in `AME_INSECURE_REGISTRIES`, or all with
/// `insecure`) are tried over HTTPS without verifying the certificate, then over plain HTTP.
public final class RegistryClient: @unchecked Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// The registry could not be reached at all.
            case unreachable
            /// TLS failed (a certificate not trusted, or a registry that speaks plain HTTP).
            case tls
            /// The registry refused the credentials, or anonymous access.
            case unauthorized
            /// No such repository (some registries say so for a missing manifest too).
            case notFound
            /// Any other answer.
            case protocolError
        }

        public var kind: Kind
        public var message: String
        public var hint: String?
        public var description: String { message }
    }

    /// Accept headers for every manifest kind a registry may hold.
    public static let manifestMediaTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    ]

    let credentials: RegistryCredentialStore
    let environment: [String: String]
    let forceInsecure: Bool
    private let verifying: HTTPClient
    private let lenient: HTTPClient
    private let lock = NSLock()
    /// The base URL that answered, per registry.
    private var bases: [String: String] = [:]
    /// Tokens per registry and scope.
    private var tokens: [String: String] = [:]

    public init(credentials: RegistryCredentialStore, insecure: Bool = false) {
        self.credentials = credentials
        self.environment = credentials.environment
        self.forceInsecure = insecure
        let timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(30))
        verifying = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                               configuration: HTTPClient.Configuration(redirectConfiguration: .follow(max: 5, allowCycles: false), timeout: timeout))
        lenient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                             configuration: HTTPClient.Configuration(certificateVerification: .none,
                                                                     redirectConfiguration: .follow(max: 5, allowCycles: false), timeout: timeout))
    }

    deinit {
        try? verifying.syncShutdown()
        try? lenient.syncShutdown()
    }

    // MARK: Operations

    public struct ManifestInfo: Sendable, Hashable {
        public var digest: String?
        public var mediaType: String?
    }

    /// The manifest's digest and type, or nil when the registry has no such manifest.
    public func manifest(_ repository: RegistryRepository) async throws(Failure) -> ManifestInfo? {
        let path = "/v2/\(repository.path)/manifests/\(repository.reference)"
        var response = try await send(.HEAD, path: path, repository: repository, accept: Self.manifestMediaTypes)
        if response.status == 405 || response.status == 501 {
            // Not every registry answers HEAD for manifests.
            response = try await send(.GET, path: path, repository: repository, accept: Self.manifestMediaTypes)
        }
        switch response.status {
        case 200..<300:
            return ManifestInfo(digest: response.headers.first(name: "Docker-Content-Digest"),
                                mediaType: response.headers.first(name: "Content-Type"))
        case 404:
            return nil
        default:
            throw failure(for: response, repository: repository, doing: "read the manifest of")
        }
    }

    /// Every tag of the repository, following the registry's pages.
    public func tags(_ repository: RegistryRepository) async throws(Failure) -> [String] {
        var tags: [String] = []
        var path = "/v2/\(repository.path)/tags/list?n=1000"
        for _ in 0..<1000 {
            let response = try await send(.GET, path: path, repository: repository, accept: ["application/json"])
            guard (200..<300).contains(response.status) else {
                if response.status == 404 {
                    throw Failure(kind: .notFound, message: "the registry \(repository.registry) has no repository '\(repository.path)'",
                                  hint: "push an image to it first, e.g. with 'ame image build --push'")
                }
                throw failure(for: response, repository: repository, doing: "list the tags of")
            }
            struct Page: Decodable { var tags: [String]? }
            guard let page = try? JSONDecoder().decode(Page.self, from: response.body) else {
                throw Failure(kind: .protocolError, message: "the registry \(repository.registry) answered the tag list with something that is not JSON")
            }
            tags += page.tags ?? []
            // `Link: </v2/name/tags/list?n=1000&last=x>; rel="next"`
            guard let link = response.headers.first(name: "Link"), link.contains("rel=\"next\""),
                  let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else { break }
            var next = String(link[link.index(after: open)..<close])
            if let url = URL(string: next), url.host != nil {
                next = url.path + (url.query.map { "?\($0)" } ?? "")
            }
            path = next
        }
        return tags
    }

    // MARK: HTTP with authentication

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    private func send(_ method: HTTPMethod, path: String, repository: RegistryRepository, accept: [String]) async throws(Failure) -> Response {
        let scope = "repository:\(repository.path):pull"
        let tokenKey = "\(repository.registry) \(scope)"
        var authorization = lock.withLock { tokens[tokenKey] }.map { "Bearer \($0)" }
        var response = try await request(method, path: path, registry: repository, accept: accept, authorization: authorization)
        guard response.status == 401, let challenge = response.headers.first(name: "WWW-Authenticate").map(AuthChallenge.init) else {
            return response
        }
        let credential: RegistryCredential?
        do {
            credential = try await credentials.credential(for: repository.registry, path: repository.path)
        } catch let failure as RegistryCredentialStore.Failure {
            throw Failure(kind: .unauthorized, message: failure.message, hint: failure.hint)
        } catch {
            throw Failure(kind: .unauthorized, message: "cannot read the credentials for \(repository.registry): \(error)")
        }
        switch challenge.scheme {
        case "basic":
            // Basic wants credentials up front: without any there is nothing to retry with.
            guard let credential else {
                throw Failure(kind: .unauthorized, message: "the registry \(repository.registry) needs credentials, and none were found",
                              hint: Self.credentialsHint(repository.registry))
            }
            authorization = "Basic " + Data("\(credential.username):\(credential.password)".utf8).base64EncodedString()
        case "bearer":
            let token = try await fetchToken(challenge, scope: scope, credential: credential, repository: repository)
            lock.withLock { tokens[tokenKey] = token }
            authorization = "Bearer \(token)"
        default:
            return response
        }
        response = try await request(method, path: path, registry: repository, accept: accept, authorization: authorization)
        if response.status == 401 || response.status == 403 {
            throw Failure(kind: .unauthorized,
                          message: credential.map { "the registry \(repository.registry) refused the credentials from \($0.source)" }
                              ?? "the registry \(repository.registry) needs credentials, and none were found",
                          hint: credential == nil ? Self.credentialsHint(repository.registry) : "log in again (podman login / buildah login / docker login), or update the AME secret '\(RegistryCredentialStore.secretName(for: repository.registry))'")
        }
        return response
    }

    static func credentialsHint(_ registry: String) -> String {
        "log in with 'buildah login \(registry)' (or podman/docker login), or store USER:PASSWORD in the AME secret '\(RegistryCredentialStore.secretName(for: registry))'"
    }

    private func fetchToken(_ challenge: AuthChallenge, scope: String, credential: RegistryCredential?, repository: RegistryRepository) async throws(Failure) -> String {
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
            throw Failure(kind: .protocolError, message: "the registry \(repository.registry) asked for a token without saying where to get one")
        }
        var items = components.queryItems ?? []
        if let service = challenge.parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
        components.queryItems = items
        guard let url = components.url?.absoluteString else {
            throw Failure(kind: .protocolError, message: "the registry \(repository.registry) gave a token service address that is not a URL: \(realm)")
        }
        var request = HTTPClientRequest(url: url)
        if let credential {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(credential.username):\(credential.password)".utf8).base64EncodedString())
        }
        let insecure = RegistryRepository.allowsInsecure(repository.registry, environment: environment, force: forceInsecure)
        let response: Response
        do {
            response = try await execute(request, client: insecure ? lenient : verifying)
        } catch {
            throw transportFailure(error, registry: repository.registry, url: url)
        }
        guard (200..<300).contains(response.status) else {
            throw Failure(kind: .unauthorized,
                          message: credential.map { "the token service of \(repository.registry) refused the credentials from \($0.source) (HTTP \(response.status))" }
                              ?? "the token service of \(repository.registry) refused anonymous access (HTTP \(response.status))",
                          hint: Self.credentialsHint(repository.registry))
        }
        struct Token: Decodable {
            var token: String?
            var access_token: String?
        }
        guard let decoded = try? JSONDecoder().decode(Token.self, from: response.body), let token = decoded.token ?? decoded.access_token else {
            throw Failure(kind: .protocolError, message: "the token service of \(repository.registry) gave no token")
        }
        return token
    }

    /// One request to the registry's API, over HTTPS, or plain HTTP where that is allowed
    /// and HTTPS does not work.
    private func request(_ method: HTTPMethod, path: String, registry repository: RegistryRepository, accept: [String],
                         authorization: String?) async throws(Failure) -> Response {
        let host = repository.apiHost
        let insecure = RegistryRepository.allowsInsecure(repository.registry, environment: environment, force: forceInsecure)
        var candidates = ["https://\(host)"] + (insecure ? ["http://\(host)"] : [])
        // Loopback registries are nearly always plain HTTP (a test or port-forwarded one);
        // asking them over HTTP first saves a failed TLS attempt, which the HTTP client
        // retries until its connect timeout.
        if RegistryRepository.isLoopback(repository.registry) && insecure { candidates.reverse() }
        if let known = lock.withLock({ bases[host] }) { candidates = [known] }
        var lastError: (any Error)?
        for base in candidates {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if !accept.isEmpty { request.headers.add(name: "Accept", value: accept.joined(separator: ", ")) }
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            request.headers.add(name: "User-Agent", value: "ame/\(BuildInfo.version)")
            do {
                let response = try await execute(request, client: insecure ? lenient : verifying)
                lock.withLock { bases[host] = base }
                return response
            } catch {
                lastError = error
            }
        }
        throw transportFailure(lastError, registry: repository.registry, url: "https://\(host)/v2/", insecure: insecure)
    }

    private func execute(_ request: HTTPClientRequest, client: HTTPClient) async throws -> Response {
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = request.method == .HEAD ? ByteBuffer() : try await response.body.collect(upTo: 16 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
    }

    private func transportFailure(_ error: (any Error)?, registry: String, url: String, insecure: Bool = false) -> Failure {
        let text = error.map { String(describing: $0) } ?? "no answer"
        let lowered = text.lowercased()
        if lowered.contains("ssl") || lowered.contains("certificate") || lowered.contains("handshake") || lowered.contains("tls") {
            return Failure(kind: .tls, message: "cannot talk TLS with the registry \(registry): \(text)",
                           hint: insecure ? nil : "if it serves plain HTTP or a self-signed certificate, pass --insecure or list it in AME_INSECURE_REGISTRIES")
        }
        return Failure(kind: .unreachable, message: "cannot reach the registry \(registry) (\(url)): \(text)",
                       hint: "check the registry's address and that it is running")
    }

    private func failure(for response: Response, repository: RegistryRepository, doing: String) -> Failure {
        struct Errors: Decodable {
            struct Entry: Decodable { var code: String?; var message: String? }
            var errors: [Entry]?
        }
        let detail = (try? JSONDecoder().decode(Errors.self, from: response.body))?.errors?.first
        let said = detail.map { " (\([$0.code, $0.message].compactMap { $0 }.joined(separator: ": ")))" } ?? ""
        switch response.status {
        case 401, 403:
            return Failure(kind: .unauthorized, message: "the registry \(repository.registry) refused to let AME \(doing) \(repository.path)\(said)",
                           hint: Self.credentialsHint(repository.registry))
        default:
            return Failure(kind: .protocolError, message: "the registry \(repository.registry) answered HTTP \(response.status) when AME tried to \(doing) \(repository.path)\(said)")
        }
    }
}

/// `WWW-Authenticate: Bearer realm="https://auth.example/token",service="registry",scope="…"`.
struct AuthChallenge {
    var scheme: String
    var parameters: [String: String]

    init(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = Substring(trimmed[space...])
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let c = rest.first, c != "\"" {
                    if c == "\\", rest.count > 1 { rest = rest.dropFirst() }
                    value.append(rest.first!)
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[key] = value
        }
    }
}
