import AMECore
import AMEEngine
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct BlobStoreTests {
    let scratch: TemporaryDirectory
    let store: BlobStore

    init() throws {
        scratch = try TemporaryDirectory(prefix: "ame-blobs")
        store = try BlobStore(directory: scratch.file("blobs"), temporaryDirectory: scratch.file("tmp"))
    }

    static let abcDigest = Digest(hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")!
    static let emptyDigest = Digest(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")!

    func temporaryFiles() throws -> [String] {
        try filesBelow(scratch.file("tmp").path)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }

    static func randomData(_ count: Int, seed: UInt64) -> Data {
        var generator = SplitMix64(seed: seed)
        return Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }

    @Test func roundTripUsesTheShardedLayout() throws {
        let digest = try store.put(Data("abc".utf8), expected: nil)
        #expect(digest == Self.abcDigest)
        #expect(store.contains(digest))
        let path = try #require(store.path(for: digest))
        #expect(path.path == scratch.file("blobs/sha256/ba/\(digest.hex)").path)
        #expect(try store.read(digest) == Data("abc".utf8))
        #expect(mode(path.path) == 0o444)
        #expect(try temporaryFiles().isEmpty)
    }

    @Test func emptyBlob() throws {
        let digest = try store.put(Data(), expected: Self.emptyDigest)
        #expect(digest == Self.emptyDigest)
        #expect(try store.read(digest).isEmpty)
    }

    @Test func putFileStreamsLargeFiles() throws {
        let data = Self.randomData(3 * (1 << 20) + 12345, seed: 1)
        let file = scratch.file("input.bin")
        try data.write(to: file)
        let hashed = try BlobStore.hash(fileAt: file)
        #expect(hashed.size == Int64(data.count))
        let digest = try store.put(fileAt: file, expected: hashed.digest)
        #expect(digest == hashed.digest)
        #expect(try store.read(digest) == data)
        #expect(try store.verify(digest))
    }

    @Test func hashMatchesKnownVectors() throws {
        let file = try scratch.write("abc.txt", "abc")
        #expect(try BlobStore.hash(fileAt: file) == (Self.abcDigest, 3))
        let empty = try scratch.write("empty.txt", "")
        #expect(try BlobStore.hash(fileAt: empty) == (Self.emptyDigest, 0))
        #expect(throws: BlobStoreError.self) { try BlobStore.hash(fileAt: scratch.file("absent")) }
    }

    @Test func sameContentIsStoredOnce() throws {
        let data = Data("same content".utf8)
        let first = try store.put(data, expected: nil)
        let second = try store.put(data, expected: first)
        let file = try scratch.write("same.txt", "same content")
        let third = try store.put(fileAt: file, expected: nil)
        #expect(first == second && second == third)
        let shard = scratch.file("blobs/sha256/\(first.hex.prefix(2))").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard) == [first.hex])
        #expect(try temporaryFiles().isEmpty)
    }

    @Test func mismatchStoresNothing() throws {
        let data = Data("payload".utf8)
        let actual = try #require(try? BlobStore.hash(fileAt: scratch.write("p.txt", "payload")).digest)
        #expect(throws: BlobStoreError.digestMismatch(expected: Self.abcDigest, actual: actual)) {
            try store.put(data, expected: Self.abcDigest)
        }
        #expect(throws: BlobStoreError.digestMismatch(expected: Self.abcDigest, actual: actual)) {
            try store.put(fileAt: scratch.file("p.txt"), expected: Self.abcDigest)
        }
        #expect(!store.contains(actual))
        #expect(!store.contains(Self.abcDigest))
        #expect(try temporaryFiles().isEmpty)
        let message = BlobStoreError.digestMismatch(expected: Self.abcDigest, actual: actual).description
        #expect(message.contains(Self.abcDigest.hex) && message.contains(actual.hex))
    }

    @Test func mismatchAgainstAStoredBlobIsStillAnError() throws {
        let stored = try store.put(Data("abc".utf8), expected: nil)
        #expect(throws: BlobStoreError.self) { try store.put(Data("abd".utf8), expected: stored) }
        #expect(try store.read(stored) == Data("abc".utf8))
    }

    @Test func ingestInChunks() throws {
        let data = Self.randomData(200_000, seed: 2)
        let ingest = try store.makeIngest(expected: nil)
        var offset = 0
        while offset < data.count {
            let end = min(offset + 7777, data.count)
            try ingest.write(data[offset..<end])
            offset = end
        }
        #expect(ingest.byteCount == Int64(data.count))
        let digest = try ingest.finish()
        #expect(try store.read(digest) == data)
        #expect(throws: BlobStoreError.ingestClosed) { try ingest.write(Data("more".utf8)) }
        #expect(throws: BlobStoreError.ingestClosed) { try ingest.finish() }
    }

    @Test func abortedIngestLeavesNothing() throws {
        let ingest = try store.makeIngest(expected: nil)
        try ingest.write(Data("half an upload".utf8))
        #expect(try temporaryFiles().count == 1)
        ingest.abort()
        ingest.abort()
        #expect(try temporaryFiles().isEmpty)
        #expect(throws: BlobStoreError.ingestClosed) { try ingest.write(Data("x".utf8)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("blobs/sha256").path).isEmpty)
    }

    @Test func droppedIngestLeavesNothing() throws {
        do {
            let ingest = try store.makeIngest(expected: nil)
            try ingest.write(Data("forgotten".utf8))
        }
        #expect(try temporaryFiles().isEmpty)
    }

    @Test func ingestOfAStoredBlobWritesNothing() throws {
        let digest = try store.put(Data("abc".utf8), expected: nil)
        let ingest = try store.makeIngest(expected: digest)
        try ingest.write(Data("ab".utf8))
        #expect(try temporaryFiles().isEmpty)
        try ingest.write(Data("c".utf8))
        #expect(try ingest.finish() == digest)

        let wrong = try store.makeIngest(expected: digest)
        try wrong.write(Data("xyz".utf8))
        #expect(throws: BlobStoreError.self) { try wrong.finish() }
        #expect(try store.read(digest) == Data("abc".utf8))
    }

    @Test func concurrentPutsOfTheSameBlob() async throws {
        let data = Self.randomData(3 << 20, seed: 3)
        let store = self.store
        let digests = try await withThrowingTaskGroup(of: Digest.self) { group in
            for index in 0..<8 {
                group.addTask {
                    if index.isMultiple(of: 2) { return try store.put(data, expected: nil) }
                    let ingest = try store.makeIngest(expected: nil)
                    for start in stride(from: 0, to: data.count, by: 65536) {
                        try ingest.write(data[start..<min(start + 65536, data.count)])
                    }
                    return try ingest.finish()
                }
            }
            return try await group.reduce(into: [Digest]()) { $0.append($1) }
        }
        #expect(Set(digests).count == 1)
        let digest = try #require(digests.first)
        #expect(try store.read(digest) == data)
        #expect(try store.verify(digest))
        #expect(try temporaryFiles().isEmpty)
    }

    @Test func leftoversOfACrashAreRemovedButLiveUploadsKept() throws {
        let temporary = scratch.file("tmp")
        try Data("crashed".utf8).write(to: temporary.appendingPathComponent("blob-crashed1.partial"))
        try Data("crashed".utf8).write(to: temporary.appendingPathComponent("blob-crashed2.partial"))
        try Data("other".utf8).write(to: temporary.appendingPathComponent("someone-elses-file"))
        let live = try store.makeIngest(expected: nil)
        try live.write(Data("still uploading".utf8))

        let reopened = try BlobStore(directory: scratch.file("blobs"), temporaryDirectory: temporary)
        let remaining = try temporaryFiles()
        #expect(remaining.count == 2)
        #expect(remaining.contains("someone-elses-file"))
        #expect(!remaining.contains("blob-crashed1.partial") && !remaining.contains("blob-crashed2.partial"))

        let digest = try live.finish()
        #expect(reopened.contains(digest))
        #expect(try temporaryFiles() == ["someone-elses-file"])
    }

    @Test func missingIsUniqueAndInOrder() throws {
        let stored = try store.put(Data("abc".utf8), expected: nil)
        let a = Digest(hex: String(repeating: "a", count: 64))!
        let b = Digest(hex: String(repeating: "b", count: 64))!
        #expect(store.missing([b, stored, a, b, stored, a]) == [b, a])
        #expect(store.missing([]) == [])
        #expect(store.path(for: a) == nil)
        #expect(throws: BlobStoreError.notFound(a)) { try store.read(a) }
    }

    @Test func copyOutWithModesAndReplacement() throws {
        let data = Self.randomData(5 << 20, seed: 4)
        let digest = try store.put(data, expected: nil)
        let plain = scratch.file("workspace/deep/dir/data.bin")
        try store.copy(digest, to: plain, executable: false)
        #expect(try Data(contentsOf: plain) == data)
        #expect(mode(plain.path) == 0o644)

        let script = scratch.file("workspace/run.sh")
        try scratch.write("workspace/run.sh", "old content that is replaced")
        let small = try store.put(Data("#!/bin/sh\necho hi\n".utf8), expected: nil)
        try store.copy(small, to: script, executable: true)
        #expect(try Data(contentsOf: script) == Data("#!/bin/sh\necho hi\n".utf8))
        #expect(mode(script.path) == 0o755)
        // The copy is independent of the blob.
        #expect(try store.verify(small))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.file("workspace").path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)

        let absent = Digest(hex: String(repeating: "c", count: 64))!
        #expect(throws: BlobStoreError.notFound(absent)) { try store.copy(absent, to: plain, executable: false) }
        #expect(try Data(contentsOf: plain) == data)
    }

    @Test func hardLinkSharesTheBlob() throws {
        let digest = try store.put(Data("linked".utf8), expected: nil)
        let destination = scratch.file("links/a/linked.txt")
        try scratch.write("links/a/linked.txt", "to be replaced")
        try store.link(digest, to: destination)
        var linked = stat()
        var blob = stat()
        #expect(stat(destination.path, &linked) == 0)
        #expect(stat(try #require(store.path(for: digest)).path, &blob) == 0)
        #expect(linked.st_ino == blob.st_ino)
        #expect(try String(contentsOf: destination, encoding: .utf8) == "linked")
        let absent = Digest(hex: String(repeating: "d", count: 64))!
        #expect(throws: BlobStoreError.notFound(absent)) { try store.link(absent, to: scratch.file("links/b")) }
    }

    @Test func verifyAllFindsACorruptedBlob() throws {
        var digests: [Digest] = []
        for index in 0..<20 {
            digests.append(try store.put(Data("blob number \(index)".utf8), expected: nil))
        }
        let victim = digests[7]
        let path = try #require(store.path(for: victim)).path
        // Blobs are read-only: writing needs a chmod first.
        #expect(FileManager.default.isWritableFile(atPath: path) == false || getuid() == 0)
        #expect(chmod(path, 0o644) == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data("X".utf8))
        try handle.close()

        let result = store.verifyAll()
        #expect(result.checked == 20)
        #expect(result.corrupt == [victim])
        #expect(try store.verify(victim) == false)
        #expect(try store.verify(digests[0]))

        store.remove(victim)
        #expect(!store.contains(victim))
        #expect(store.verifyAll() == (19, []))
        store.remove(victim)
    }
}
