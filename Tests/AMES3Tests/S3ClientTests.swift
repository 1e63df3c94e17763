@testable import AMES3
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// The S3 client against a real S3 API (moto's server, with IAM authentication on), through
/// a proxy that records requests and injects faults; results checked with boto3.
@Suite("S3 client against moto", .timeLimit(.minutes(10)))
struct S3ClientTests {
    func client(_ s3: S3TestServer, secret: String? = nil, accessKey: String? = nil,
                configure: (inout S3Client.Configuration) -> Void = { _ in },
                events: @escaping @Sendable (String) -> Void = { _ in }) -> S3Client {
        var configuration = S3Client.Configuration(
            endpoint: URL(string: s3.endpoint)!, region: "us-east-1",
            credentials: S3Credentials(accessKeyID: accessKey ?? s3.accessKey, secretAccessKey: secret ?? s3.secretKey))
        configuration.baseDelay = .milliseconds(20)
        configure(&configuration)
        return S3Client(configuration: configuration, events: events)
    }

    func bucket(_ s3: S3TestServer) async throws -> String {
        let name = S3TestServer.uniqueBucket()
        try await s3.tool(["create-bucket", name])
        return name
    }

    func sha256(_ file: URL) throws -> String {
        SignatureV4.sha256Hex(try Data(contentsOf: file))
    }


    @Test("ListObjectsV2 follows continuation tokens across pages and stays inside the prefix")
    func listing() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        for index in 0..<5 { try await s3.tool(["put", name, "data/part-\(index).csv", "row \(index)"]) }
        try await s3.tool(["put", name, "other/file.txt", "x"])
        let objects = try await client(s3) { $0.listPageSize = 2 }.listObjects(bucket: name, prefix: "data/")
        #expect(objects.map(\.key) == (0..<5).map { "data/part-\($0).csv" })
        #expect(objects.allSatisfy { $0.size == 5 && $0.etag.count == 32 })
        let lists = try s3.requests().filter { $0.path.contains("list-type=2") }
        #expect(lists.count == 3)
        #expect(lists.dropFirst().allSatisfy { $0.path.contains("continuation-token=") })
    }

    @Test("HEAD gives size and ETag, nil for a missing key; GET streams the bytes boto3 wrote")
    func headAndGet() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        let put = try #require(try await s3.tool(["put-random", name, "blobs/one file+ä (1).bin", String(3 << 20), "7"]) as? [String: Any])
        let s3Client = client(s3)
        let head = try #require(try await s3Client.headObject(bucket: name, key: "blobs/one file+ä (1).bin"))
        #expect(head.size == 3 << 20)
        #expect(try await s3Client.headObject(bucket: name, key: "blobs/none") == nil)
        let scratch = try TemporaryDirectory(prefix: "ame-s3-client")
        let file = scratch.file("object")
        let written = try await s3Client.getObject(bucket: name, key: head.key, etag: head.etag, expectedSize: head.size, to: file)
        #expect(written == 3 << 20)
        #expect(try sha256(file) == put["sha256"] as? String)
    }

    @Test("a download cut off midway resumes with a Range from where it stopped")
    func resumedDownload() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        let put = try #require(try await s3.tool(["put-random", name, "big.bin", String(4 << 20), "11"]) as? [String: Any])
        try await s3.setFaults(#"[{"method": "GET", "match": "/big.bin", "count": 1, "truncate": 1000000}]"#)
        let s3Client = client(s3)
        let head = try #require(try await s3Client.headObject(bucket: name, key: "big.bin"))
        let scratch = try TemporaryDirectory(prefix: "ame-s3-client")
        let file = scratch.file("object")
        try await s3Client.getObject(bucket: name, key: "big.bin", etag: head.etag, expectedSize: head.size, to: file)
        #expect(try sha256(file) == put["sha256"] as? String)
        let gets = try s3.requests().filter(\.isGetObject)
        #expect(gets.count == 2)
        #expect(gets.first?.truncated == 1_000_000)
        #expect(gets.last?.headers["range"]?.hasPrefix("bytes=") == true)
        #expect(gets.last?.headers["if-match"] == "\"\(head.etag)\"")
    }

    @Test("PUT sends Content-MD5; the bytes boto3 reads back are the bytes sent")
    func put() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let etag = try await client(s3).putObject(bucket: name, key: "out/model.pkl", data: data)
        let got = try #require(try await s3.tool(["get", name, "out/model.pkl"]) as? [String: Any])
        #expect(got["sha256"] as? String == SignatureV4.sha256Hex(data))
        #expect(got["etag"] as? String == etag)
        let puts = try s3.requests().filter { $0.method == "PUT" }
        #expect(puts.count == 1)
        #expect(puts.first?.headers["content-md5"] == S3Client.contentMD5(data))
    }

    @Test("a large file goes up in parts, each with its Content-MD5, and completes with the right ETag")
    func multipart() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        let scratch = try TemporaryDirectory(prefix: "ame-s3-client")
        let file = scratch.file("object")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<(12 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: file)
        let progress = Progress()
        let etag = try await client(s3) {
            $0.multipartThreshold = 5 << 20
            $0.partSize = 5 << 20
        }.uploadFile(file, bucket: name, key: "models/big.bin") { progress.set($0) }
        #expect(etag.hasSuffix("-3"))
        #expect(progress.value == 12 << 20)
        let got = try #require(try await s3.tool(["get", name, "models/big.bin"]) as? [String: Any])
        #expect(got["sha256"] as? String == (try sha256(file)))
        #expect(got["size"] as? Int == 12 << 20)
        let parts = try s3.requests().filter { $0.method == "PUT" && $0.path.contains("partNumber=") }
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { ($0.headers["content-md5"] ?? "").count == 24 })
    }

    @Test("a multipart upload that fails is aborted: no upload is left behind")
    func multipartAbort() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        let scratch = try TemporaryDirectory(prefix: "ame-s3-client")
        let file = scratch.file("object")
        try Data(repeating: 7, count: 11 << 20).write(to: file)
        try await s3.setFaults(#"[{"method": "PUT", "match": "partNumber=2", "count": 100, "status": 400, "code": "InvalidPart"}]"#)
        let events = EventLog()
        await #expect(throws: S3Error.self) {
            _ = try await client(s3, configure: {
                $0.multipartThreshold = 5 << 20
                $0.partSize = 5 << 20
            }, events: events.add).uploadFile(file, bucket: name, key: "models/broken.bin")
        }
        let deletes = try s3.requests().filter { $0.method == "DELETE" && $0.path.contains("uploadId=") }
        // One abort; S3 may answer it with a retryable error while cancelled parts are still
        // landing (AWS documents that an abort can need repeating), so earlier 5xx tries are fine.
        let statuses = deletes.map { $0.status ?? -1 }
        #expect(statuses.last.map { (200..<300).contains($0) } == true, "DELETE statuses: \(statuses); events: \(events.lines)")
        #expect(statuses.dropLast().allSatisfy { $0 >= 500 }, "DELETE statuses: \(statuses); events: \(events.lines)")
        #expect(events.lines.contains { $0.contains("aborted the multipart upload") })
        let uploads = try #require(try await s3.tool(["uploads", name]) as? [Any])
        #expect(uploads.isEmpty)
        let got = try #require(try await s3.tool(["get", name, "models/broken.bin"]) as? [String: Any])
        #expect(got["missing"] as? Bool == true)
    }

    @Test("errors name the operation, bucket and the service's code: wrong secret, unknown key, missing bucket, HEAD")
    func errors() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        try await s3.tool(["put", name, "a.txt", "a"])

        func failure(_ body: () async throws -> Void) async -> S3Error? {
            do { try await body() } catch let error as S3Error { return error } catch { Issue.record("not an S3Error: \(error)") }
            return nil
        }
        let wrongSecret = await failure { _ = try await client(s3, secret: "not-the-secret").listObjects(bucket: name, prefix: "") }
        #expect(wrongSecret?.code == "SignatureDoesNotMatch")
        #expect(wrongSecret?.status == 403)
        #expect(wrongSecret?.description.contains("bucket '\(name)'") == true)
        #expect(wrongSecret?.description.contains("not-the-secret") == false)

        let unknownKey = await failure { _ = try await client(s3, accessKey: "AKIAUNKNOWNKEY000000").listObjects(bucket: name, prefix: "") }
        #expect(unknownKey?.code == "InvalidAccessKeyId")

        let missing = await failure { _ = try await client(s3).listObjects(bucket: "no-such-bucket-\(name)", prefix: "x/") }
        #expect(missing?.code == "NoSuchBucket")
        #expect(missing?.status == 404)
        #expect(missing?.description.contains("no-such-bucket-\(name)") == true)

        // A HEAD answer has no body: the code comes from a one-byte GET.
        let head = await failure { _ = try await client(s3, secret: "wrong").headObject(bucket: name, key: "a.txt") }
        #expect(head?.code == "SignatureDoesNotMatch")
        #expect(head?.operation == "HeadObject")
    }

    @Test("503 twice, then success: retried with back-off, and the retries are reported")
    func retries() async throws {
        let s3 = try await S3TestServer.start()
        let name = try await bucket(s3)
        try await s3.tool(["put", name, "data/x.csv", "1,2,3"])
        try await s3.setFaults(#"[{"method": "GET", "match": "/data/x.csv", "count": 2, "status": 503, "code": "SlowDown"}]"#)
        let events = EventLog()
        let scratch = try TemporaryDirectory(prefix: "ame-s3-client")
        let file = scratch.file("object")
        let written = try await client(s3, events: events.add).getObject(bucket: name, key: "data/x.csv", etag: nil, expectedSize: 5, to: file)
        #expect(written == 5)
        let gets = try s3.requests().filter(\.isGetObject)
        #expect(gets.map(\.status) == [503, 503, 200])
        #expect(events.lines.count == 2)
        #expect(events.lines.first?.contains("answered 503 SlowDown") == true)

        // Retries end: the error keeps the code.
        try await s3.setFaults(#"[{"method": "GET", "match": "/data/x.csv", "count": 10, "status": 503, "code": "SlowDown"}]"#)
        await #expect(throws: S3Error.self) {
            _ = try await client(s3) { $0.maxAttempts = 3 }.getObject(bucket: name, key: "data/x.csv", etag: nil, expectedSize: 5, to: file)
        }
    }

    @Test("an endpoint that refuses connections fails at once, not after retries: one sentence naming it")
    func refusedConnection() async throws {
        // A port nothing listens on: bound, then closed.
        let port = try TCPSocket.freePort()
        let endpoint = "http://127.0.0.1:\(port)"
        var configuration = S3Client.Configuration(endpoint: URL(string: endpoint)!, region: "us-east-1", credentials: nil)
        configuration.baseDelay = .milliseconds(200)
        let events = EventLog()
        let client = S3Client(configuration: configuration, events: events.add)
        let started = ContinuousClock.now
        do {
            _ = try await client.listObjects(bucket: "data", prefix: "in/")
            Issue.record("listing through a refused connection succeeded")
        } catch let error as S3Error {
            // Not a speed target: less than the 10 s connect timeout proves the HTTP client did
            // not keep reconnecting (before: 5 tries of 10 s each, 52 s in all).
            #expect(ContinuousClock.now - started < .seconds(9), "took \(ContinuousClock.now - started)")
            #expect(error.code == "ConnectionRefused")
            #expect(!error.isRetryable)
            #expect(error.description.hasPrefix("cannot reach the S3 endpoint \(endpoint): connection refused — "), "\(error)")
            #expect(!error.description.contains("errno") && !error.description.contains("error set"), "\(error)")
            #expect(events.lines.isEmpty, "retried: \(events.lines)")
        }
    }

    @Test("addressing: virtual-hosted on AWS, path-style for dotted buckets and custom endpoints")
    func addressing() {
        let aws = S3Client(configuration: .init(endpoint: nil, region: "eu-west-1", credentials: nil))
        #expect(aws.location(bucket: "models", key: "a b/c.pkl") == ("https", "models.s3.eu-west-1.amazonaws.com", "/a%20b/c.pkl"))
        #expect(aws.location(bucket: "my.models", key: "c") == ("https", "s3.eu-west-1.amazonaws.com", "/my.models/c"))
        let minio = S3Client(configuration: .init(endpoint: URL(string: "http://127.0.0.1:9000")!, region: "us-east-1", credentials: nil))
        #expect(minio.location(bucket: "data", key: "x") == ("http", "127.0.0.1:9000", "/data/x"))
        #expect(minio.location(bucket: "data", key: nil) == ("http", "127.0.0.1:9000", "/data"))
        let forced = S3Client(configuration: .init(endpoint: URL(string: "https://r2.example.com:443")!, region: "auto",
                                                   credentials: nil, addressing: .virtualHosted))
        #expect(forced.location(bucket: "data", key: "x") == ("https", "data.r2.example.com", "/x"))
    }

    @Test("the XML reader: listings, errors, entities")
    func xml() throws {
        let document = try XMLElement.parse(Data("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
              <Contents><Key>a &amp; b/&lt;c&gt;&#233;.txt</Key><ETag>&quot;abc&quot;</ETag><Size>12</Size></Contents>
              <Contents><Key>d</Key><Size>0</Size><Owner/></Contents>
              <IsTruncated>true</IsTruncated><NextContinuationToken>tok/+=</NextContinuationToken>
            </ListBucketResult>
            """.utf8))
        #expect(document.name == "ListBucketResult")
        #expect(document.children("Contents").map { $0.value("Key") } == ["a & b/<c>é.txt", "d"])
        #expect(document.children("Contents").first?.value("ETag") == "\"abc\"")
        #expect(document.value("NextContinuationToken") == "tok/+=")
        let error = try XMLElement.parse(Data("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>".utf8))
        #expect(error.value("Code") == "NoSuchBucket")
    }
}

/// Lines a client reported, collected across tasks.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func add(_ line: String) { lock.withLock { stored.append(line) } }
}

final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int64 = 0
    var value: Int64 { lock.withLock { stored } }
    func set(_ value: Int64) { lock.withLock { stored = max(stored, value) } }
}
