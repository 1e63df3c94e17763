import AMEClient
import AMECore
import AMEEngine
import AMEServer
import AMETestSupport
import Foundation
import Testing

/// `HTTPJobsAPI` against a live server: blobs round trip with their digests checked, errors
/// arrive as sentences, and a log stream cut by a proxy resumes without loss or repeats.
@Suite struct ClientTests {
    @Test func blobsRoundTripAndAMismatchedUploadIsNeverVisible() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            let api = fixture.client(url, token: fixture.aliceToken)
            let directory = try TemporaryDirectory()
            var bytes = Data(count: 3 << 20)
            var generator = SplitMix64(seed: 7)
            bytes.withUnsafeMutableBytes { raw in
                for index in raw.indices { raw[index] = UInt8(truncatingIfNeeded: generator.next()) }
            }
            let file = try directory.write("big.bin", "")
            try bytes.write(to: file)
            let digest = try BlobStore.hash(fileAt: file).digest
            #expect(try await api.missingBlobs([digest, digest]) == [digest])
            try await api.uploadBlob(digest, from: file)
            #expect(try await api.missingBlobs([digest]).isEmpty)
            let copy = directory.file("copy/big.bin")
            try await api.downloadBlob(digest, to: copy)
            #expect(try Data(contentsOf: copy) == bytes)

            // Content that does not match its digest is refused and leaves nothing behind.
            let other = try directory.write("other.txt", "not what the digest says")
            let wrong = Digest(hex: String(repeating: "ab", count: 32))!
            await #expect(throws: APIError.self) { try await api.uploadBlob(wrong, from: other) }
            #expect(try await api.missingBlobs([wrong]) == [wrong])
            #expect(!fixture.engine.blobs.contains(wrong))
            let leftovers = try filesBelow(fixture.engine.layout.temporary.path)
            #expect(leftovers.isEmpty, "\(leftovers)")

            do {
                try await api.downloadBlob(wrong, to: directory.file("nothing"))
                Issue.record("downloading a missing blob succeeded")
            } catch let error as APIError {
                #expect(error.code == .notFound)
            }
        }
    }

    /// `uploadBlobs` sends many files in one request (`POST /v1/blobs`): all stored and
    /// claimed, large and empty ones too; one wrong digest in it stores none of them.
    @Test func manyBlobsInOneUpload() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            let api = fixture.client(url, token: fixture.aliceToken)
            let directory = try TemporaryDirectory()
            var files: [(digest: Digest, file: URL)] = []
            for index in 0..<40 {
                // Sizes around the client's 1 MiB pieces, and an empty file.
                let size = index == 0 ? 0 : (index * 53_000) % (3 << 20)
                let file = directory.file("in/\(index).bin")
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }).write(to: file)
                files.append((try BlobStore.hash(fileAt: file).digest, file))
            }
            try await api.uploadBlobs(files)
            #expect(try await api.missingBlobs(files.map(\.digest)).isEmpty)
            for (digest, file) in files.prefix(5) {
                let copy = directory.file("out/\(digest.hex)")
                try await api.downloadBlob(digest, to: copy)
                #expect(try Data(contentsOf: copy) == Data(contentsOf: file))
            }
            // Another user uploading the same bytes gets them as theirs; a wrong digest in
            // the middle of a batch stores nothing of it.
            let fresh = try directory.write("fresh.txt", "fresh content")
            let freshDigest = try BlobStore.hash(fileAt: fresh).digest
            let other = try directory.write("other.txt", "not what the digest says")
            let wrong = Digest(hex: String(repeating: "cd", count: 32))!
            await #expect(throws: APIError.self) { try await api.uploadBlobs([(freshDigest, fresh), (wrong, other), (files[1].digest, files[1].file)]) }
            #expect(!fixture.engine.blobs.contains(freshDigest))
            #expect(!fixture.engine.blobs.contains(wrong))
            let leftovers = try filesBelow(fixture.engine.layout.temporary.path)
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test func errorsBecomeSentences() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            do {
                _ = try await fixture.client(url, token: "ame_nope").whoami()
                Issue.record("a wrong token was accepted")
            } catch let error as APIError {
                #expect(error.code == .unauthorized)
                #expect(error.message.hasPrefix("the server refused the token"))
                #expect(error.hint?.contains("ame setup \(url.absoluteString) --token") == true)
            }
            do {
                _ = try await fixture.client(url, token: fixture.aliceToken).getRun("r-nope")
                Issue.record("a missing run was found")
            } catch let error as APIError {
                #expect(error.code == .notFound)
            }
        }
        // Nothing listens on port 1.
        do {
            _ = try await HTTPJobsAPI(baseURL: URL(string: "http://127.0.0.1:1")!, token: "x").whoami()
            Issue.record("an unreachable server answered")
        } catch let error as APIError {
            #expect(error.code == .unavailable)
            #expect(error.message == "cannot reach http://127.0.0.1:1: connection refused", "\(error.message)")
        }
    }

    /// Writes a finished run's log directly (as an agent would) and streams it back through a
    /// proxy that cuts the connection several times mid-way.
    @Test(arguments: [false, true])
    func aLogStreamCutByAProxyResumesWithNoLineLostOrRepeated(follow: Bool) async throws {
        let fixture = try ServerFixture()
        let manifest = try fixture.project(["ame.yaml": "projectname: cut\ntasks:\n  t: {runcommand: \"true\"}\n"])
        let stored = try fixture.engine.submit(RunRequest(task: "t", manifest: manifest), owner: "alice")
        let writer = try fixture.engine.logs.writer(for: stored.id)
        var expected: [String] = []
        for index in 0..<20_000 {
            let line = "line \(index) " + String(repeating: "x", count: index % 97) + (index % 500 == 0 ? " \"quoted\" \\ é\t" : "") + "\n"
            expected.append(line)
            _ = try writer.append(index % 3 == 0 ? .stderr : .stdout, step: "t", data: Data(line.utf8))
        }
        try writer.end(exitCode: 0)
        writer.close()
        let size = fixture.engine.logs.size(runID: stored.id)
        let expectedLines = expected
        #expect(size > 1_000_000)

        try await fixture.live { url in
            // Cut the first four connections after 100 KB, 333 KB, 7 bytes (inside the
            // headers) and 600 KB of response; the fifth goes through.
            let proxy = try CuttingProxy(upstreamPort: UInt16(url.port!), cuts: [100_000, 333_333, 7, 600_000])
            defer { proxy.stop() }
            let api = HTTPJobsAPI(baseURL: URL(string: "http://127.0.0.1:\(proxy.port)")!, token: fixture.aliceToken)
            var lines: [String] = []
            var offsets: [Int64] = []
            var ended = false
            for try await event in api.logs(stored.id, from: 0, follow: follow) {
                if event.kind == .end {
                    ended = true
                    #expect(event.exitCode == 0)
                    continue
                }
                offsets.append(event.offset)
                lines.append(event.text)
            }
            #expect(proxy.cutCount == 4)
            #expect(ended)
            #expect(lines.count == expectedLines.count)
            #expect(lines == expectedLines, "lost or repeated lines")
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
        }
    }

    @Test func followingALiveRunSeesEveryLineAsItComes() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            let api = fixture.client(url, token: fixture.aliceToken)
            let manifest = try fixture.project(["ame.yaml": """
                projectname: live
                tasks:
                  count: {runcommand: "for i in $(seq 1 30); do echo tick $i; sleep 0.02; done"}
                """])
            let run = try await api.submitRun(RunRequest(task: "count", manifest: manifest))
            var text = ""
            var exitCode: Int32?
            for try await event in api.logs(run.id, from: 0, follow: true) {
                if event.kind == .end { exitCode = event.exitCode } else if event.kind == .stdout { text += event.text }
            }
            #expect(exitCode == 0)
            #expect(text == (1...30).map { "tick \($0)\n" }.joined())
            let finished = try await api.getRun(run.id)
            #expect(finished.status == .succeeded)
        }
    }
}
