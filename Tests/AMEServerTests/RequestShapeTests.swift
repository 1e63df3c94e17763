import AMECore
import AMEEngine
import AMEServer
import AMETestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import AMESystem
import NIOCore
import Testing

/// What a request may hold: the server refuses oversized and malformed input with a
/// sentence naming the field, before storing anything, and never names its own paths.
@Suite struct RequestShapeTests {
    static let yaml = "projectname: shapes\ntasks:\n  t: {runcommand: \"true\"}\n"

    func submit(_ client: any TestClientProtocol, _ request: RunRequest, token: String) async throws -> TestResponse {
        let body = try WireFormat.encoder().encode(request)
        return try await client.send(.post, "/v1/runs", token: token, json: String(decoding: body, as: UTF8.self))
    }

    @Test func oversizedOrMalformedRunRequestsAreRefusedByField() async throws {
        let fixture = try ServerFixture()
        let manifest = try fixture.project(["ame.yaml": Self.yaml])
        let before = try fixture.engine.store.runCountsByStatus().values.reduce(0, +)
        try await fixture.test(.router) { client in
            var huge = RunRequest(task: "t", manifest: manifest)
            huge.labels = ["note": String(repeating: "x", count: 2 << 20)]
            var many = RunRequest(task: "t", manifest: manifest)
            many.env = (0..<10_000).map { EnvVar(key: "V\($0)", value: "x") }
            var badKey = RunRequest(task: "t", manifest: manifest)
            badKey.env = [EnvVar(key: "A;touch x", value: "1")]
            var badLabel = RunRequest(task: "t", manifest: manifest)
            badLabel.labels = ["a b": "1"]
            for (request, field) in [(huge, "label 'note'"), (many, "'env' has 10000 variables"), (badKey, "'A;touch x'"),
                                     (badLabel, "label key 'a b'")] {
                let response = try await submit(client, request, token: fixture.aliceToken)
                #expect(response.status == .badRequest, "\(field): \(response.status)")
                #expect(response.text.contains(field), "\(response.text.prefix(300))")
            }
        }
        #expect(try fixture.engine.store.runCountsByStatus().values.reduce(0, +) == before)
    }

    @Test func aPathTooLongIsRefusedAtSubmitWithoutTheServersPaths() async throws {
        let fixture = try ServerFixture()
        let long = (0..<12).map { _ in String(repeating: "d", count: 200) }.joined(separator: "/") + "/f.txt"
        let manifest = try fixture.project(["ame.yaml": Self.yaml, long: "x"])
        try await fixture.test(.router) { client in
            let response = try await submit(client, RunRequest(task: "t", manifest: manifest), token: fixture.aliceToken)
            #expect(response.status == .badRequest)
            #expect(response.text.contains("longer than 2048 bytes"), "\(response.text.prefix(300))")
            #expect(!response.text.contains(fixture.directory.path))
        }
    }

    @Test func aBodyThatIsNotJSONGets415() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(fixture.aliceToken)", .contentType: "text/plain"]
            let response = try await client.executeRequest(uri: "/v1/blobs/missing", method: .post, headers: headers,
                                                           body: ByteBuffer(string: #"{"digests":[]}"#))
            #expect(response.status.code == 415)
            #expect(response.errorCode == "unsupported_media_type")
        }
    }

    @Test func theRunsPageLimitIsWhatTheDocumentSays() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            #expect(try await client.send(.get, "/v1/runs?limit=500", token: fixture.aliceToken).status == .ok)
            let over = try await client.send(.get, "/v1/runs?limit=501", token: fixture.aliceToken)
            #expect(over.status == .badRequest)
            #expect(over.text.contains("between 1 and 500"))
        }
    }

    @Test func queuedRunsPerUserAreCapped() async throws {
        let fixture = try ServerFixture(config: "limits: {max_queued_runs: 2, max_concurrent_runs: 1}\n")
        let gate = FileGate(in: URL(fileURLWithPath: NSTemporaryDirectory()), name: "ame-gate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: gate.url) }
        let manifest = try fixture.project(["ame.yaml": "projectname: cap\ntasks:\n  slow: {runcommand: \"\(gate.shellWait)\"}\n"])
        try await fixture.test(.router) { client in
            for _ in 0..<2 {
                #expect(try await submit(client, RunRequest(task: "slow", manifest: manifest), token: fixture.aliceToken).status == .created)
            }
            let third = try await submit(client, RunRequest(task: "slow", manifest: manifest), token: fixture.aliceToken)
            #expect(third.status.code == 422)
            #expect(third.text.contains("limit is 2"), "\(third.text)")
            // Another user is not held by Alice's queue.
            let bobs = try fixture.project(["ame.yaml": "projectname: cap\ntasks:\n  quick: {runcommand: \"true\"}\n"], owner: "bob")
            #expect(try await submit(client, RunRequest(task: "quick", manifest: bobs), token: fixture.bobToken).status == .created)
            try gate.open()
        }
    }
}

/// A refused tunnel handshake is the WebSocket layer's empty 400; the same request without
/// the handshake says why, as JSON — what the API document promises and `ame` relies on.
@Suite struct TunnelRefusalTests {
    @Test func aPlainGetExplainsWhatAHandshakeWouldBeRefusedFor() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            // Raw HTTP/1.1 over a socket: the handshake headers exactly as a WebSocket client sends them.
            func get(_ path: String, token: String?, handshake: Bool) async throws -> (Int, String, String?) {
                var head = "GET /\(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                if let token { head += "Authorization: Bearer \(token)\r\n" }
                if handshake {
                    head += "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                } else {
                    head += "Connection: close\r\n"
                }
                let port = url.port ?? 80
                let request = Data((head + "\r\n").utf8)
                let answer = try await TCPByteStream.onThread { () -> Data in
                    let socket = try TCPSocket.connect(host: "127.0.0.1", port: port)
                    defer { socket.close() }
                    try socket.send(request)
                    var answer = Data()
                    while true {
                        let chunk = try socket.receive()
                        if chunk.isEmpty { break }
                        answer.append(chunk)
                    }
                    return answer
                }
                let text = String(decoding: answer, as: UTF8.self)
                let parts = text.components(separatedBy: "\r\n\r\n")
                let status = Int(parts[0].split(separator: " ").dropFirst().first ?? "") ?? 0
                let type = parts[0].split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
                    .map { $0.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces) }
                return (status, parts.dropFirst().joined(separator: "\r\n\r\n"), type)
            }
            let path = "v1/runs/r1m98z5ajj3vet/ports/8888/tunnel"
            let refused = try await get(path, token: nil, handshake: true)
            #expect(refused.0 == 400 && refused.1.isEmpty)
            let unauthorized = try await get(path, token: nil, handshake: false)
            #expect(unauthorized.0 == 401)
            #expect(unauthorized.2 == "application/json")
            #expect(unauthorized.1.contains("\"unauthorized\""))
            let unknown = try await get(path, token: fixture.aliceToken, handshake: false)
            #expect(unknown.0 == 404)
            #expect(unknown.1.contains("not_found"))
        }
    }
}

/// A manifest is checked as a set: entries in any order get the same verdict. (The checks
/// that nothing lies inside a symlink binary-search the sorted entries; a manifest sent
/// unsorted once slipped past them and wrote outside the workspace.)
@Suite struct ManifestOrderTests {
    @Test func anUnsortedManifestIsRefusedForTheSameReasonAsSorted() async throws {
        let fixture = try ServerFixture()
        let base = try fixture.project(["ame.yaml": RequestShapeTests.yaml])
        let yaml = try #require(base.entries.first)
        let file = try #require(fixture.project(["x": "PWNED\n"]).entries.first)
        func entry(_ path: String, target: String) -> String { #"{"path":"\#(path)","kind":"symlink","size":0,"executable":false,"target":"\#(target)"}"# }
        func entry(_ path: String, like file: Manifest.Entry) -> String {
            #"{"path":"\#(path)","kind":"file","digest":"\#(file.digest!.hex)","size":\#(file.size),"executable":false}"#
        }
        let escape = [entry("d", target: "."), entry("d/d/d/d2/up", target: "../../../.."), entry("d/d/d/d2/up/PWNED", like: file),
                      entry("ame.yaml", like: yaml)]
        @Sendable func body(_ entries: [String]) -> String { #"{"task":"t","manifest":{"entries":[\#(entries.joined(separator: ","))]},"projectFile":"ame.yaml","env":[],"ports":[],"labels":{}}"# }
        try await fixture.test(.router) { client in
            let unsorted = try await client.send(.post, "/v1/runs", token: fixture.aliceToken, json: body(escape))
            let sorted = try await client.send(.post, "/v1/runs", token: fixture.aliceToken, json: body(escape.sorted()))
            #expect(unsorted.status == .badRequest, "\(unsorted.text)")
            #expect(sorted.status == .badRequest)
            #expect(unsorted.json["error"] as? NSDictionary == sorted.json["error"] as? NSDictionary)
            #expect(unsorted.text.contains("inside 'd'"), "\(unsorted.text)")
        }
    }
}
