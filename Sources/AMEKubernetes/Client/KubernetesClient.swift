import AMESystem
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The calls AME makes to the Kubernetes API, typed: Pods (create, get, list, watch,
/// delete, logs) and Secrets (create, replace, delete), in one namespace.
///
/// Answers that may go away by themselves (429, 5xx, no connection) are retried with
/// back-off; every other failure is a `KubernetesError` sentence naming the object.
/// Call `shutdown()` before letting go of a client.
public final class KubernetesClient: Sendable {
    public let configuration: KubernetesConfiguration
    public let namespace: String
    public let backoff: Backoff
    let http: HTTPClient

    public init(configuration: KubernetesConfiguration, namespace: String? = nil, backoff: Backoff = Backoff()) throws {
        self.configuration = configuration
        self.namespace = namespace ?? configuration.namespace ?? "default"
        self.backoff = backoff
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = configuration.certificateAuthority {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if case .clientCertificate(let certificate, let key) = configuration.credentials {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubernetesConfiguration.LoadError("the certificates in \(configuration.source) cannot be read: \(error)",
                                                    hint: "they must be PEM (-----BEGIN CERTIFICATE-----)")
        }
        if configuration.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var http = HTTPClient.Configuration(tlsConfiguration: tls)
        // Watches and followed logs stay open as long as a step runs: no read timeout.
        http.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: nil)
        http.decompression = .disabled
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: Pods

    public func createPod(_ pod: Pod) async throws -> Pod {
        let operation = op("create", "pods", pod.metadata.name)
        return try decode(Pod.self, try await perform(.POST, podsPath(), body: try encode(pod), operation: operation), operation)
    }

    public func getPod(_ name: String) async throws -> Pod {
        let operation = op("get", "pods", name)
        return try decode(Pod.self, try await perform(.GET, podsPath(name), operation: operation), operation)
    }

    public func listPods(labelSelector: String) async throws -> ObjectList<Pod> {
        try await list("pods", in: podsPath(), labelSelector: labelSelector)
    }

    /// Deletes the Pod (its containers get `gracePeriodSeconds` between SIGTERM and
    /// SIGKILL); false when it was already gone.
    @discardableResult
    public func deletePod(_ name: String, gracePeriodSeconds: Int? = nil) async throws -> Bool {
        var query: [(String, String)] = []
        if let gracePeriodSeconds { query.append(("gracePeriodSeconds", String(gracePeriodSeconds))) }
        return try await delete("pods", name, at: podsPath(name), query: query)
    }

    /// Changes to the Pods matching `labelSelector` after `resourceVersion`, as the API
    /// sends them, until the server closes the watch (after about `timeoutSeconds`).
    public func watchPods(labelSelector: String, resourceVersion: String?, timeoutSeconds: Int = 300) -> AsyncThrowingStream<WatchEvent<Pod>, any Error> {
        var query = [("labelSelector", labelSelector), ("watch", "true"), ("timeoutSeconds", String(timeoutSeconds))]
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        let operation = op("watch", "pods", nil)
        return lines(podsPath(), query: query, operation: operation) { line in
            try Self.decodeWatchEvent(line)
        }
    }

    static func decodeWatchEvent(_ line: Data) throws -> WatchEvent<Pod>? {
        struct Envelope: Decodable { var type: String }
        struct Body<Object: Decodable>: Decodable { var object: Object }
        let trimmed = line.filter { $0 != 0x0A && $0 != 0x0D }
        guard !trimmed.isEmpty else { return nil }
        let decoder = JSONDecoder()
        let envelope = try decoder.decode(Envelope.self, from: trimmed)
        guard let kind = WatchEvent<Pod>.Kind(rawValue: envelope.type) else { return nil }
        if kind == .error {
            return WatchEvent(kind: .error, object: nil, status: try decoder.decode(Body<KubernetesStatus>.self, from: trimmed).object)
        }
        if kind == .bookmark {
            // A bookmark carries only metadata.resourceVersion.
            struct Bookmark: Decodable { var metadata: ObjectMeta }
            let meta = try decoder.decode(Body<Bookmark>.self, from: trimmed).object.metadata
            return WatchEvent(kind: .bookmark, object: Pod(metadata: meta, spec: PodSpec(containers: [])), status: nil)
        }
        return WatchEvent(kind: kind, object: try decoder.decode(Body<Pod>.self, from: trimmed).object, status: nil)
    }

    /// A container's log, line by line (each line with its `\n`). With `follow`, the
    /// stream lasts until the container ends; with `timestamps`, each line starts with its
    /// RFC 3339 time and a space.
    public func podLog(_ name: String, container: String, follow: Bool, timestamps: Bool = false,
                       sinceTime: Date? = nil) -> AsyncThrowingStream<Data, any Error> {
        var query = [("container", container)]
        if follow { query.append(("follow", "true")) }
        if timestamps { query.append(("timestamps", "true")) }
        if let sinceTime { query.append(("sinceTime", KubernetesTime.format(sinceTime))) }
        return lines(podsPath(name) + "/log", query: query, operation: op("read the log of", "pods", name)) { $0 }
    }

    // MARK: Secrets

    public func createSecret(_ secret: Secret) async throws -> Secret {
        let operation = op("create", "secrets", secret.metadata.name)
        return try decode(Secret.self, try await perform(.POST, secretsPath(), body: try encode(secret), operation: operation), operation)
    }

    /// Replaces the Secret of the same name unconditionally (no resourceVersion).
    public func replaceSecret(_ secret: Secret) async throws -> Secret {
        let operation = op("update", "secrets", secret.metadata.name)
        return try decode(Secret.self, try await perform(.PUT, secretsPath(secret.name), body: try encode(secret), operation: operation), operation)
    }

    /// Creates the Secret, or replaces the one already there (a retried or re-attached run).
    public func applySecret(_ secret: Secret) async throws {
        do {
            _ = try await createSecret(secret)
        } catch let error as KubernetesError where error.kind == .conflict {
            _ = try await replaceSecret(secret)
        }
    }

    /// False when it was already gone.
    @discardableResult
    public func deleteSecret(_ name: String) async throws -> Bool {
        try await delete("secrets", name, at: secretsPath(name))
    }

    // MARK: Services

    /// Creates the Service; one of the same name already there is left as it is (the nodes
    /// of one attempt each make sure theirs exists).
    public func ensureService(_ service: Service) async throws {
        try await ensure(service, "services", service.metadata.name, in: servicesPath())
    }

    public func listServices(labelSelector: String) async throws -> ObjectList<Service> {
        try await list("services", in: servicesPath(), labelSelector: labelSelector)
    }

    /// False when it was already gone.
    @discardableResult
    public func deleteService(_ name: String) async throws -> Bool {
        try await delete("services", name, at: servicesPath(name))
    }

    // MARK: NetworkPolicies

    /// Creates the NetworkPolicy; one of the same name already there is left as it is.
    public func ensureNetworkPolicy(_ policy: NetworkPolicy) async throws {
        try await ensure(policy, "networkpolicies", policy.metadata.name, in: networkPoliciesPath())
    }

    public func listNetworkPolicies(labelSelector: String) async throws -> ObjectList<NetworkPolicy> {
        try await list("networkpolicies", in: networkPoliciesPath(), labelSelector: labelSelector)
    }

    /// False when it was already gone.
    @discardableResult
    public func deleteNetworkPolicy(_ name: String) async throws -> Bool {
        try await delete("networkpolicies", name, at: networkPoliciesPath(name))
    }

    // MARK: Any kind

    /// Creates `object` in `collection`; one of the same name already there is left as it is.
    private func ensure<Object: Codable>(_ object: Object, _ resource: String, _ name: String?, in collection: String) async throws {
        let operation = op("create", resource, name)
        do {
            _ = try decode(Object.self, try await perform(.POST, collection, body: try encode(object), operation: operation), operation)
        } catch let error as KubernetesError where error.kind == .conflict {
        }
    }

    private func list<Object: Codable & Sendable>(_ resource: String, in collection: String, labelSelector: String) async throws -> ObjectList<Object> {
        let operation = op("list", resource, nil)
        return try decode(ObjectList<Object>.self, try await perform(.GET, collection, query: [("labelSelector", labelSelector)], operation: operation), operation)
    }

    /// False when it was already gone.
    private func delete(_ resource: String, _ name: String, at path: String, query: [(String, String)] = []) async throws -> Bool {
        do {
            _ = try await perform(.DELETE, path, query: query, operation: op("delete", resource, name))
            return true
        } catch let error as KubernetesError where error.kind == .notFound {
            return false
        }
    }

    private func op(_ verb: String, _ resource: String, _ name: String?) -> KubernetesError.Operation {
        KubernetesError.Operation(verb: verb, resource: resource, name: name, namespace: namespace)
    }

    private func podsPath(_ name: String? = nil) -> String {
        "/api/v1/namespaces/\(Self.escape(namespace))/pods" + (name.map { "/" + Self.escape($0) } ?? "")
    }

    private func networkPoliciesPath(_ name: String? = nil) -> String {
        "/apis/networking.k8s.io/v1/namespaces/\(Self.escape(namespace))/networkpolicies" + (name.map { "/" + Self.escape($0) } ?? "")
    }

    private func servicesPath(_ name: String? = nil) -> String {
        "/api/v1/namespaces/\(Self.escape(namespace))/services" + (name.map { "/" + Self.escape($0) } ?? "")
    }

    private func secretsPath(_ name: String? = nil) -> String {
        "/api/v1/namespaces/\(Self.escape(namespace))/secrets" + (name.map { "/" + Self.escape($0) } ?? "")
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func url(_ path: String, query: [(String, String)]) -> String {
        var text = configuration.server.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        return text
    }

    private func request(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: Data?) async throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ame")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let token = try await bearerToken() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        return request
    }

    private func bearerToken() async throws -> String? {
        switch configuration.credentials {
        case .bearerToken(let token):
            return token
        case .tokenFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubernetesConfiguration.LoadError("the token file \(path) (\(configuration.source)) cannot be read")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        case .exec(let plugin):
            return try await plugin.token()
        case .none, .clientCertificate:
            return nil
        }
    }

    static func isRetryable(_ status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// Sends a request and returns the body of a successful answer, retrying what may pass.
    private func perform(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
                         operation: KubernetesError.Operation) async throws -> Data {
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPClientResponse
            let bytes: ByteBuffer
            do {
                response = try await http.execute(try await request(method, path, query: query, body: body), timeout: .seconds(30))
                bytes = try await response.body.collect(upTo: 64 << 20)
            } catch let error as KubernetesConfiguration.LoadError {
                throw error
            } catch {
                try Task.checkCancellation()
                guard attempt < backoff.attempts else {
                    throw KubernetesError.transport(error, server: configuration.server.absoluteString, operation: operation,
                                                    source: configuration.source, attempts: attempt)
                }
                try await Task.sleep(for: backoff.delay(after: attempt))
                continue
            }
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return Data(bytes.readableBytesView) }
            if Self.isRetryable(code) && attempt < backoff.attempts {
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
                try await Task.sleep(for: backoff.delay(after: attempt, retryAfterSeconds: retryAfter))
                continue
            }
            let data = Data(bytes.readableBytesView)
            throw KubernetesError.from(statusCode: code, status: try? JSONDecoder().decode(KubernetesStatus.self, from: data),
                                       body: String(decoding: data, as: UTF8.self), operation: operation,
                                       source: configuration.source, attempts: attempt)
        }
    }

    /// Opens a streaming request (retrying what may pass) and hands on each line through
    /// `transform` (nil: skip the line). The stream ends when the server ends the answer.
    private func lines<Element: Sendable>(_ path: String, query: [(String, String)], operation: KubernetesError.Operation,
                                          transform: @escaping @Sendable (Data) throws -> Element?) -> AsyncThrowingStream<Element, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Element, any Error>.makeStream()
        let task = Task {
            do {
                let response = try await openStream(path, query: query, operation: operation)
                // Lines are handed on with their newline; one longer than 1 MiB in pieces.
                var splitter = LineSplitter(maximumLength: 1 << 20)
                for try await buffer in response.body {
                    for piece in splitter.append(Data(buffer.readableBytesView)) {
                        let line: Data
                        switch piece {
                        case .line(var complete):
                            complete.append(0x0A)
                            line = complete
                        case .partial(let part):
                            line = part
                        }
                        if let element = try transform(line) { continuation.yield(element) }
                    }
                }
                if let rest = splitter.finish(), let element = try transform(rest) { continuation.yield(element) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func openStream(_ path: String, query: [(String, String)], operation: KubernetesError.Operation) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPClientResponse
            do {
                response = try await http.execute(try await request(.GET, path, query: query, body: nil), timeout: .seconds(30))
            } catch let error as KubernetesConfiguration.LoadError {
                throw error
            } catch {
                try Task.checkCancellation()
                guard attempt < backoff.attempts else {
                    throw KubernetesError.transport(error, server: configuration.server.absoluteString, operation: operation,
                                                    source: configuration.source, attempts: attempt)
                }
                try await Task.sleep(for: backoff.delay(after: attempt))
                continue
            }
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return response }
            let bytes = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            if Self.isRetryable(code) && attempt < backoff.attempts {
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
                try await Task.sleep(for: backoff.delay(after: attempt, retryAfterSeconds: retryAfter))
                continue
            }
            let data = Data(bytes.readableBytesView)
            throw KubernetesError.from(statusCode: code, status: try? JSONDecoder().decode(KubernetesStatus.self, from: data),
                                       body: String(decoding: data, as: UTF8.self), operation: operation,
                                       source: configuration.source, attempts: attempt)
        }
    }

    private func encode(_ value: some Encodable) throws -> Data {
        try JSONEncoder().encode(value)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ operation: KubernetesError.Operation) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw KubernetesError(kind: .unexpected, statusCode: 200, status: nil,
                                  message: "the Kubernetes API's answer when asked to \(operation.sentence) cannot be read: \(error)",
                                  hint: nil)
        }
    }
}
