import AMECore
import AMEEngine
import AMEServer
import AMETestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Blobs are private to whoever proved they have the bytes: knowing a digest gives nothing,
/// asking which blobs are missing tells nothing about anyone else's, and a stored blob that
/// no longer matches its digest is never served or used.
@Suite struct BlobPrivacyTests {
    static func upload(_ client: any TestClientProtocol, _ content: String, token: String) async throws -> Digest {
        let digest = Digest(bytes: sha256(Data(content.utf8)))
        let response = try await client.send(.put, "/v1/blobs/\(digest.hex)", token: token, body: ByteBuffer(string: content))
        #expect(response.status == .created, "\(response.text)")
        return digest
    }

    static func missing(_ client: any TestClientProtocol, _ digests: [Digest], token: String) async throws -> [String] {
        let body = #"{"digests":[\#(digests.map { "\"\($0.hex)\"" }.joined(separator: ","))]}"#
        let response = try await client.send(.post, "/v1/blobs/missing", token: token, json: body)
        #expect(response.status == .ok, "\(response.text)")
        return response.json["missing"] as? [String] ?? []
    }

    @Test(arguments: HTTPSetup.allCases)
    func anotherUsersBlobIsNotFoundAndNotReportedPresent(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            // A low-entropy file: Bob could guess its content, so its digest.
            let alices = try await Self.upload(client, "pin=4711\n", token: fixture.aliceToken)
            let never = Digest(bytes: sha256(Data("pin=0000\n".utf8)))

            #expect(try await client.send(.get, "/v1/blobs/\(alices.hex)", token: fixture.aliceToken).text == "pin=4711\n")
            let bobGets = try await client.send(.get, "/v1/blobs/\(alices.hex)", token: fixture.bobToken)
            #expect(bobGets.status == .notFound)
            #expect(!bobGets.text.contains("4711"))

            // Missing answers the same for a guess that hits Alice's file and one that does not.
            #expect(try await Self.missing(client, [alices, never], token: fixture.bobToken) == [alices.hex, never.hex])
            #expect(try await Self.missing(client, [alices, never], token: fixture.aliceToken) == [never.hex])

            // A run of Bob's naming Alice's digest without uploading it is refused.
            let yaml = "projectname: steal\ntasks:\n  t: {runcommand: cat pin.txt}\n"
            let yamlDigest = try await Self.upload(client, yaml, token: fixture.bobToken)
            let manifest = Manifest(entries: [Manifest.Entry(path: "ame.yaml", digest: yamlDigest, size: Int64(yaml.utf8.count)),
                                              Manifest.Entry(path: "pin.txt", digest: alices, size: 9)])
            let body = try WireFormat.encoder().encode(RunRequest(task: "t", manifest: manifest))
            let submitted = try await client.send(.post, "/v1/runs", token: fixture.bobToken, json: String(decoding: body, as: UTF8.self))
            #expect(submitted.status == .badRequest, "\(submitted.text)")
            #expect(submitted.text.contains("not uploaded"))

            // Once Bob uploads the bytes himself, he holds them too: stored once, readable by both.
            _ = try await Self.upload(client, "pin=4711\n", token: fixture.bobToken)
            #expect(try await client.send(.get, "/v1/blobs/\(alices.hex)", token: fixture.bobToken).text == "pin=4711\n")
            #expect(try await Self.missing(client, [alices], token: fixture.bobToken).isEmpty)
        }
    }

    @Test func aCorruptBlobIsQuarantinedNotServedAndTheRunSaysWhy() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            let manifest = try fixture.project([
                "ame.yaml": "projectname: corrupt\ntasks:\n  show: {runcommand: cat input.txt}\n",
                "input.txt": "good bytes\n",
            ])
            let input = try #require(manifest.entry(at: "input.txt")?.digest)
            let file = try #require(fixture.engine.blobs.path(for: input))
            // Bit rot, or a writer from before the sandbox.
            chmod(file.path, 0o644)
            try Data("evil bytes\n".utf8).write(to: file)

            let served = try await client.send(.get, "/v1/blobs/\(input.hex)", token: fixture.aliceToken)
            #expect(served.status == .notFound, "\(served.text)")
            #expect(!served.text.contains("evil"))
            #expect(served.text.contains("quarantined"))
            #expect(!FileManager.default.fileExists(atPath: file.path))
            let quarantined = try FileManager.default.contentsOfDirectory(at: fixture.engine.blobs.quarantineDirectory, includingPropertiesForKeys: nil)
            #expect(quarantined.contains { $0.lastPathComponent.hasPrefix(input.hex) })
            // Alice is asked to upload it again.
            #expect(try await Self.missing(client, [input], token: fixture.aliceToken) == [input.hex])
        }
    }

    @Test func aRunWhoseInputWasCorruptedFailsWithTheFileNamed() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            let api = fixture.client(url, token: fixture.aliceToken)
            let manifest = try fixture.project([
                "ame.yaml": "projectname: corrupt\ntasks:\n  show: {runcommand: cat data/input.txt}\n",
                "data/input.txt": "good bytes\n",
            ])
            let input = try #require(manifest.entry(at: "data/input.txt")?.digest)
            let file = try #require(fixture.engine.blobs.path(for: input))
            chmod(file.path, 0o644)
            try Data("evil bytes\n".utf8).write(to: file)
            let run = try await api.submitRun(RunRequest(task: "show", manifest: manifest))
            var output = ""
            for try await event in api.logs(run.id, from: 0, follow: true) where event.kind != .end { output += event.text }
            let finished = try await api.getRun(run.id)
            #expect(finished.status == .failed)
            #expect(!output.contains("evil"))
            #expect(finished.reason?.contains("data/input.txt") == true, "\(finished.reason ?? "")")
            #expect(finished.reason?.contains("quarantined") == true)
        }
    }
}
