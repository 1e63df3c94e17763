import AMECore
import AMEEngine
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Access keys for S3 requests: the engine's object-store credentials, which never show
/// themselves in a description.
public typealias S3Credentials = ObjectStoreCredentials

/// An object as a listing or HEAD describes it.
public struct S3Object: Sendable, Hashable {
    public var key: String
    public var size: Int64
    /// Without quotes.
    public var etag: String
}

/// What AME needs of the S3 API, over AsyncHTTPClient: ListObjectsV2 (all pages), HEAD,
/// GET (streamed to a file, resumed with a range after a broken connection), PUT with
/// `Content-MD5`, and multipart uploads for large files (aborted on failure). Requests are
/// signed with Signature Version 4 and retried with exponential back-off on 5xx answers,
/// throttling and lost connections.
public struct S3Client: Sendable {
    public enum Addressing: Sendable, Hashable {
        /// Virtual-hosted on AWS (path-style for bucket names with dots), path-style on any
        /// other endpoint.
        case automatic
        case path
        case virtualHosted
    }

    public struct Configuration: Sendable {
        /// An S3-compatible service (`http://127.0.0.1:9000`); nil for AWS in `region`.
        public var endpoint: URL?
        public var region: String
        /// Nil: requests go unsigned.
        public var credentials: S3Credentials?
        public var addressing: Addressing = .automatic
        /// Tries per request (the first included).
        public var maxAttempts = 5
        public var baseDelay: Duration = .milliseconds(200)
        public var maxDelay: Duration = .seconds(5)
        /// Files larger than this go up in parts.
        public var multipartThreshold: Int64 = 8 << 20
        public var partSize: Int64 = 8 << 20
        public var partConcurrency = 4
        /// `max-keys` of each listing page (nil: the service's default, 1000).
        public var listPageSize: Int?
        /// For requests whose answer is small; downloads and uploads get longer.
        public var requestTimeout: TimeAmount = .seconds(120)

        public init(endpoint: URL?, region: String, credentials: S3Credentials?, addressing: Addressing = .automatic) {
            self.endpoint = endpoint
            self.region = region
            self.credentials = credentials
            self.addressing = addressing
        }
    }

    public let configuration: Configuration
    let http: HTTPClient
    /// Sentences worth a log line (retries, aborted uploads).
    let events: @Sendable (String) -> Void

    /// One connection pool for the process; S3 clients are cheap views on it.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        // A connection that cannot be made fails the request at once (the client's own retries
        // then decide): otherwise the pool keeps trying for the whole connect timeout, and a
        // refused endpoint took 5 × 10 s to fail.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(configuration: Configuration, httpClient: HTTPClient = S3Client.sharedHTTPClient,
                events: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.http = httpClient
        self.events = events
    }

    // MARK: Operations

    /// Every object under `prefix`, following continuation tokens across pages.
    public func listObjects(bucket: String, prefix: String) async throws -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            if let size = configuration.listPageSize { query.append(("max-keys", String(size))) }
            var operation = Operation(name: "ListObjectsV2", bucket: bucket, key: nil, method: .GET, query: query)
            operation.prefix = prefix
            let body = try await perform(operation).body
            let document = try parse(body, for: operation)
            for entry in document.children("Contents") {
                guard let key = entry.value("Key") else { continue }
                objects.append(S3Object(key: key, size: Int64(entry.value("Size") ?? "") ?? 0, etag: Self.unquoted(entry.value("ETag") ?? "")))
            }
            token = document.value("IsTruncated") == "true" ? document.value("NextContinuationToken") : nil
        } while token != nil
        return objects
    }

    /// The object at `key`, or nil when there is none.
    public func headObject(bucket: String, key: String) async throws -> S3Object? {
        let operation = Operation(name: "HeadObject", bucket: bucket, key: key, method: .HEAD)
        do {
            let response = try await perform(operation)
            return S3Object(key: key, size: Int64(response.headers.first(name: "content-length") ?? "") ?? 0,
                            etag: Self.unquoted(response.headers.first(name: "etag") ?? ""))
        } catch let error as S3Error where error.status == 404 {
            return nil
        } catch let error as S3Error where error.status != nil && error.message == nil {
            // An answer to HEAD has no error document: ask for one byte to learn the code.
            let probe = Operation(name: "HeadObject", bucket: bucket, key: key, method: .GET, headers: [("range", "bytes=0-0")])
            do {
                _ = try await perform(probe)
            } catch let detailed as S3Error where detailed.message != nil {
                throw detailed
            }
            throw error
        }
    }

    /// Streams the object into `file` (created or truncated); returns the bytes written.
    /// With `etag`, the object must still be that version (`If-Match`), and a broken
    /// download resumes with a `Range` from where it stopped.
    @discardableResult
    public func getObject(bucket: String, key: String, etag: String?, expectedSize: Int64?, to file: URL,
                          progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws -> Int64 {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw S3Error(operation: "GetObject", bucket: bucket, key: key, status: nil, code: "LocalFileError",
                          message: "cannot create \(file.path)")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var written: Int64 = 0
        var breaks = 0
        while true {
            var headers: [(String, String)] = []
            if written > 0 { headers.append(("range", "bytes=\(written)-")) }
            if let etag, !etag.isEmpty { headers.append(("if-match", "\"\(etag)\"")) }
            let operation = Operation(name: "GetObject", bucket: bucket, key: key, method: .GET, headers: headers)
            let response = try await send(operation, timeout: .hours(24))
            if written > 0 && response.status.code != 206 {
                // The range was ignored: start over.
                try handle.truncate(atOffset: 0)
                written = 0
            }
            do {
                for try await buffer in response.body {
                    try handle.write(contentsOf: Data(buffer.readableBytesView))
                    written += Int64(buffer.readableBytes)
                    progress(written)
                }
                break
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                breaks += 1
                guard breaks < configuration.maxAttempts else {
                    throw S3Error(operation: "GetObject", bucket: bucket, key: key, status: nil, code: "ConnectionLost",
                                  message: "the download broke off after \(written) bytes: \(error)")
                }
                let delay = backoff(attempt: breaks)
                events("the download of s3://\(bucket)/\(key) broke off after \(written) bytes; resuming in \(Self.seconds(delay))")
                try await Task.sleep(for: delay)
            }
        }
        if let expectedSize, written != expectedSize {
            throw S3Error(operation: "GetObject", bucket: bucket, key: key, status: nil, code: "SizeMismatch",
                          message: "\(written) bytes arrived, but the object has \(expectedSize)")
        }
        return written
    }

    /// Uploads `data` in one PUT with its `Content-MD5`; returns the ETag.
    public func putObject(bucket: String, key: String, data: Data) async throws -> String {
        let body = ByteBuffer(bytes: data)
        let md5 = Insecure.MD5.hash(data: data)
        let operation = Operation(name: "PutObject", bucket: bucket, key: key, method: .PUT,
                                  headers: [("content-md5", Data(md5).base64EncodedString())], body: body)
        let response = try await perform(operation, timeout: .minutes(30))
        let etag = Self.unquoted(response.headers.first(name: "etag") ?? "")
        try verify(etag: etag, md5: Hex.encode(md5), operation: operation)
        return etag
    }

    /// Uploads a file: one PUT up to the multipart threshold, else a multipart upload whose
    /// parts carry their MD5 (aborted if anything fails). Returns the ETag.
    public func uploadFile(_ file: URL, bucket: String, key: String,
                           progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws -> String {
        let size = try Self.size(of: file, bucket: bucket, key: key)
        if size <= configuration.multipartThreshold {
            let data = try Data(contentsOf: file)
            let etag = try await putObject(bucket: bucket, key: key, data: data)
            progress(Int64(data.count))
            return etag
        }
        return try await multipartUpload(file, size: size, bucket: bucket, key: key, progress: progress)
    }

    // MARK: Multipart

    func multipartUpload(_ file: URL, size: Int64, bucket: String, key: String,
                         progress: @escaping @Sendable (Int64) -> Void) async throws -> String {
        let create = Operation(name: "CreateMultipartUpload", bucket: bucket, key: key, method: .POST, query: [("uploads", "")])
        let created = try parse(try await perform(create).body, for: create)
        guard let uploadID = created.value("UploadId"), !uploadID.isEmpty else {
            throw S3Error(operation: create.name, bucket: bucket, key: key, status: nil, code: "MalformedResponse", message: "no UploadId in the answer")
        }
        // At most 10,000 parts.
        let partSize = max(configuration.partSize, (size + 9_999) / 10_000)
        let partCount = Int((size + partSize - 1) / partSize)
        let counter = ByteCounter(progress)
        do {
            var parts: [Int: (etag: String, md5: Data)] = [:]
            try await withThrowingTaskGroup(of: (Int, String, Data).self) { group in
                var next = 1
                func start() {
                    guard next <= partCount else { return }
                    let number = next
                    next += 1
                    group.addTask {
                        let offset = Int64(number - 1) * partSize
                        let data = try Self.read(file, offset: offset, count: Int(min(partSize, size - offset)), bucket: bucket, key: key)
                        let md5 = Data(Insecure.MD5.hash(data: data))
                        let operation = Operation(name: "UploadPart", bucket: bucket, key: key, method: .PUT,
                                                  query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                                  headers: [("content-md5", md5.base64EncodedString())], body: ByteBuffer(bytes: data))
                        let response = try await perform(operation, timeout: .minutes(30))
                        let etag = Self.unquoted(response.headers.first(name: "etag") ?? "")
                        try verify(etag: etag, md5: Hex.encode(md5), operation: operation)
                        counter.add(Int64(data.count))
                        return (number, etag, md5)
                    }
                }
                for _ in 0..<max(1, configuration.partConcurrency) { start() }
                while let part = try await group.next() {
                    parts[part.0] = (part.1, part.2)
                    start()
                }
            }
            var document = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            for number in 1...partCount {
                document += "<Part><PartNumber>\(number)</PartNumber><ETag>\"\(parts[number]!.etag)\"</ETag></Part>"
            }
            document += "</CompleteMultipartUpload>"
            let complete = Operation(name: "CompleteMultipartUpload", bucket: bucket, key: key, method: .POST,
                                     query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")],
                                     body: ByteBuffer(string: document))
            let answer = try parse(try await perform(complete, timeout: .minutes(30)).body, for: complete)
            // S3 can answer 200 and still fail the completion.
            if answer.name == "Error" {
                throw S3Error(operation: complete.name, bucket: bucket, key: key, status: 200, code: answer.value("Code") ?? "InternalError",
                              message: answer.value("Message"), requestID: answer.value("RequestId"))
            }
            let etag = Self.unquoted(answer.value("ETag") ?? "")
            let combined = Insecure.MD5.hash(data: (1...partCount).reduce(into: Data()) { $0.append(parts[$1]!.md5) })
            try verify(etag: etag, md5: "\(Hex.encode(combined))-\(partCount)", operation: complete)
            return etag
        } catch {
            let abort = Operation(name: "AbortMultipartUpload", bucket: bucket, key: key, method: .DELETE, query: [("uploadId", uploadID)])
            do {
                _ = try await perform(abort)
                events("aborted the multipart upload of s3://\(bucket)/\(key)")
            } catch {
                events("could not abort the multipart upload of s3://\(bucket)/\(key): \(error)")
            }
            throw error
        }
    }

    /// An ETag that looks like an MD5 (plain, or `…-N` for multipart) must match ours;
    /// other forms (SSE-KMS, some S3-compatible stores) prove nothing either way.
    private func verify(etag: String, md5: String, operation: Operation) throws {
        let expectedMultipart = md5.contains("-")
        let looksLikeMD5 = etag.count >= 32 && etag.prefix(32).allSatisfy(\.isHexDigit)
            && (expectedMultipart ? etag.contains("-") : etag.count == 32)
        guard looksLikeMD5 else { return }
        if etag.lowercased() != md5 {
            throw S3Error(operation: operation.name, bucket: operation.bucket, key: operation.subject, status: nil, code: "ChecksumMismatch",
                          message: "the service stored ETag \(etag), but the data sent has MD5 \(md5)")
        }
    }

    // MARK: Requests

    struct Operation: Sendable {
        var name: String
        var bucket: String
        var key: String?
        var method: HTTPMethod
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body: ByteBuffer?
        /// For listings: the prefix, named in errors.
        var prefix: String?

        /// What errors name besides the bucket: the key, or the listed prefix.
        var subject: String? { key ?? prefix.map { $0.isEmpty ? "" : $0 } }
    }

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Sends with retries and returns the whole (small) answer; non-2xx answers throw.
    private func perform(_ operation: Operation, timeout: TimeAmount? = nil) async throws -> Response {
        let response = try await send(operation, timeout: timeout ?? configuration.requestTimeout)
        let body = try await collect(response, operation: operation)
        return Response(status: Int(response.status.code), headers: response.headers, body: body)
    }

    /// Sends with retries; returns a 2xx response whose body is still to be read.
    private func send(_ operation: Operation, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let failure: S3Error
            do {
                let response = try await http.execute(try request(for: operation), timeout: timeout)
                if (200..<300).contains(response.status.code) { return response }
                let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
                failure = error(status: Int(response.status.code), headers: response.headers, body: body, operation: operation)
            } catch let error as S3Error {
                failure = error
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                let code = Self.transportCode(error)
                failure = S3Error(operation: operation.name, bucket: operation.bucket, key: operation.subject, status: nil,
                                  code: code, message: "cannot reach \(endpointDescription): \(Self.transportProblem(code, error))",
                                  hint: code == "ConnectionRefused"
                                      ? "nothing accepts connections there: check 'endpoint:' in ame.yaml (or the secret's AWS_ENDPOINT_URL) and that the service runs"
                                      : nil)
            }
            guard failure.isRetryable, attempt < configuration.maxAttempts else { throw failure }
            let delay = backoff(attempt: attempt)
            let answer = failure.status.map { "answered \($0) \(failure.code)" } ?? "could not be reached (\(failure.code))"
            events("S3 \(answer) to \(operation.name) on bucket '\(operation.bucket)'\(operation.subject.map { ", key '\($0)'" } ?? ""); retrying in \(Self.seconds(delay)) (attempt \(attempt + 1) of \(configuration.maxAttempts))")
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    private func collect(_ response: HTTPClientResponse, operation: Operation) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: 64 << 20)
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw S3Error(operation: operation.name, bucket: operation.bucket, key: operation.subject, status: Int(response.status.code),
                          code: "ConnectionLost", message: "the answer broke off: \(error)")
        }
    }

    /// The signed request for `operation`, now.
    func request(for operation: Operation, date: Date = Date()) throws -> HTTPClientRequest {
        let target = location(bucket: operation.bucket, key: operation.key)
        let payloadHash: String
        if let body = operation.body {
            payloadHash = body.withUnsafeReadableBytes { Hex.encode(SHA256.hash(data: $0)) }
        } else {
            payloadHash = SignatureV4.emptyPayloadHash
        }
        let timestamp = SignatureV4.timestamp(date)
        var headers = operation.headers
        headers.append(("host", target.host))
        headers.append(("x-amz-date", timestamp))
        headers.append(("x-amz-content-sha256", payloadHash))
        if let credentials = configuration.credentials {
            if let token = credentials.sessionToken, !token.isEmpty { headers.append(("x-amz-security-token", token)) }
            let signer = SignatureV4(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey,
                                     sessionToken: credentials.sessionToken, region: configuration.region, service: "s3")
            let signed = signer.sign(.init(method: operation.method.rawValue, canonicalURI: target.path, query: operation.query,
                                           headers: headers, payloadHash: payloadHash), timestamp: timestamp)
            headers.append(("authorization", signed.authorization))
        }
        let query = SignatureV4.canonicalQuery(operation.query)
        var request = HTTPClientRequest(url: "\(target.scheme)://\(target.host)\(target.path)\(query.isEmpty ? "" : "?" + query)")
        request.method = operation.method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body = operation.body { request.body = .bytes(body) }
        return request
    }

    /// Scheme, `host[:port]` and the encoded path of a bucket or an object.
    func location(bucket: String, key: String?) -> (scheme: String, host: String, path: String) {
        let endpoint = configuration.endpoint ?? URL(string: "https://s3.\(configuration.region).amazonaws.com")!
        let scheme = endpoint.scheme ?? "https"
        var host = endpoint.host ?? "s3.amazonaws.com"
        let virtual: Bool
        switch configuration.addressing {
        case .path: virtual = false
        case .virtualHosted: virtual = true
        case .automatic: virtual = configuration.endpoint == nil && !bucket.contains(".")
        }
        let encodedKey = key.map { SignatureV4.uriEncode($0, keepingSlashes: true) }
        let path: String
        if virtual {
            host = "\(bucket).\(host)"
            path = "/" + (encodedKey ?? "")
        } else {
            path = "/\(bucket)" + (encodedKey.map { "/" + $0 } ?? "")
        }
        if let port = endpoint.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            host += ":\(port)"
        }
        return (scheme, host, path)
    }

    private var endpointDescription: String {
        configuration.endpoint.map { "the S3 endpoint \($0.absoluteString)" } ?? "AWS S3 in \(configuration.region)"
    }

    private func error(status: Int, headers: HTTPHeaders, body: ByteBuffer, operation: Operation) -> S3Error {
        var code = Self.statusCodes[status] ?? "HTTP\(status)"
        var message: String?
        var requestID = headers.first(name: "x-amz-request-id")
        var hint: String?
        if body.readableBytes > 0, let document = try? XMLElement.parse(Data(body.readableBytesView)), document.name == "Error" {
            code = document.value("Code") ?? code
            message = document.value("Message")
            requestID = document.value("RequestId") ?? requestID
            if let region = document.value("Region") ?? headers.first(name: "x-amz-bucket-region"), region != configuration.region {
                hint = "the bucket is in region '\(region)': set 'region: \(region)'"
            }
        } else if let region = headers.first(name: "x-amz-bucket-region"), region != configuration.region, status == 301 || status == 400 {
            hint = "the bucket is in region '\(region)': set 'region: \(region)'"
        }
        if status == 412, operation.name == "GetObject" {
            message = "the object changed while it was being fetched"
        }
        return S3Error(operation: operation.name, bucket: operation.bucket, key: operation.subject, status: status, code: code,
                       message: message, requestID: requestID, hint: hint)
    }

    private func parse(_ body: ByteBuffer, for operation: Operation) throws -> XMLElement {
        do {
            return try XMLElement.parse(Data(body.readableBytesView))
        } catch {
            throw S3Error(operation: operation.name, bucket: operation.bucket, key: operation.subject, status: nil, code: "MalformedResponse",
                          message: "the answer is not the XML expected: \(error)")
        }
    }

    /// Exponential, capped, with jitter (half to all of the step).
    func backoff(attempt: Int) -> Duration {
        let step = configuration.baseDelay * (1 << min(attempt - 1, 20))
        let capped = min(step, configuration.maxDelay)
        return capped * Double.random(in: 0.5...1.0)
    }

    static let statusCodes: [Int: String] = [
        301: "PermanentRedirect", 400: "BadRequest", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
        409: "Conflict", 412: "PreconditionFailed", 416: "InvalidRange", 429: "TooManyRequests", 500: "InternalError",
        502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout",
    ]

    /// What went wrong with the connection, in a few words ("connection refused").
    static func transportProblem(_ code: String, _ error: any Error) -> String {
        switch code {
        case "ConnectionRefused": return "connection refused"
        case "Timeout": return "no answer in time"
        default:
            let text = "\(error)"
            return text.lowercased().contains("connection reset") ? "the connection was dropped" : text
        }
    }

    static func transportCode(_ error: any Error) -> String {
        let text = "\(error)".lowercased()
        if text.contains("timeout") || text.contains("timedout") { return "Timeout" }
        if text.contains("refused") { return "ConnectionRefused" }
        return "ConnectionFailed"
    }

    /// The `Content-MD5` header value of `data`.
    static func contentMD5(_ data: Data) -> String {
        Data(Insecure.MD5.hash(data: data)).base64EncodedString()
    }

    static func unquoted(_ etag: String) -> String {
        var text = etag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f s", Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// stat(2), not FileManager's attributes: those look up the owner's name, which a
    /// statically linked `ame` must never do for a uid outside /etc/passwd (glibc would
    /// load an NSS module into it and crash).
    static func size(of file: URL, bucket: String, key: String) throws -> Int64 {
        var info = stat()
        guard stat(file.path, &info) == 0 else {
            throw S3Error(operation: "PutObject", bucket: bucket, key: key, status: nil, code: "LocalFileError", message: "cannot read \(file.path)")
        }
        return Int64(info.st_size)
    }

    static func read(_ file: URL, offset: Int64, count: Int, bucket: String, key: String) throws -> Data {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else {
            throw S3Error(operation: "UploadPart", bucket: bucket, key: key, status: nil, code: "LocalFileError",
                          message: "\(file.lastPathComponent) changed size while it was being uploaded")
        }
        return data
    }
}

/// Bytes moved so far by concurrent parts.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Int64 = 0
    private let report: @Sendable (Int64) -> Void

    init(_ report: @escaping @Sendable (Int64) -> Void) {
        self.report = report
    }

    func add(_ bytes: Int64) {
        let now = lock.withLock {
            total += bytes
            return total
        }
        report(now)
    }
}
