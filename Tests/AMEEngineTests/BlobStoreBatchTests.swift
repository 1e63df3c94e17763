@testable import AMEEngine
import AMECore
import AMETestSupport
import Foundation
import Testing

/// `put(files:)` stores many files with one flush per batch, with the same results as one
/// `put(fileAt:)` per file.
@Suite struct BlobStoreBatchTests {
    @Test func batchStoresEveryFileAndDeduplicates() throws {
        let scratch = try TemporaryDirectory(prefix: "blob-batch")
        let store = try BlobStore(directory: scratch.file("blobs"), temporaryDirectory: scratch.file("tmp"))
        var files: [(url: URL, expected: Digest?)] = []
        for index in 0..<600 {
            // Every tenth file repeats an earlier content: stored once.
            let content = "file \(index % 10 == 0 ? 0 : index)"
            files.append((try scratch.write("in/\(index).txt", content), nil))
        }
        let digests = try store.put(files: files, batchSize: 100)
        #expect(digests.count == 600)
        #expect(Set(digests).count == 600 - 59)
        for (file, digest) in zip(files, digests) {
            #expect(try store.read(digest) == Data(contentsOf: file.url))
        }
        #expect(store.verifyAll().corrupt.isEmpty)
        #expect(try filesBelow(scratch.file("tmp").path).isEmpty)
    }

    @Test func aWrongDigestStoresNothingOfItsBatch() throws {
        let scratch = try TemporaryDirectory(prefix: "blob-batch-bad")
        let store = try BlobStore(directory: scratch.file("blobs"), temporaryDirectory: scratch.file("tmp"))
        let good = try scratch.write("good.txt", "good")
        let bad = try scratch.write("bad.txt", "bad")
        let wrong = try BlobStore.hash(fileAt: good).digest
        #expect(throws: BlobStoreError.self) {
            _ = try store.put(files: [(good, nil), (bad, wrong)])
        }
        #expect(!store.contains(wrong))
        #expect(try filesBelow(scratch.file("tmp").path).isEmpty)
    }

    /// The embedded engine's first sync: the scanner stores each file as it reads it, the
    /// digests are those a plain scan computes, and the store holds exactly those bytes.
    @Test func aScanThatStoresGivesTheSameManifestAndStoresEveryFile() throws {
        let scratch = try TemporaryDirectory(prefix: "blob-scan-store")
        for index in 0..<300 {
            // Some repeated contents, some large enough for several reads.
            let content = index % 7 == 0 ? "same" : String(repeating: "\(index)-", count: index * 700)
            _ = try scratch.write("project/d\(index % 5)/f\(index).bin", content)
        }
        let project = scratch.file("project")
        // Settled files: the hash cache distrusts a file changed just before a scan (it could
        // change again within the same clock tick), and the second scan below would read it.
        try FileTimes.backdateTree(project)
        let plain = try ProjectScanner(root: project, cacheDirectory: nil).scan()
        let store = try BlobStore(directory: scratch.file("blobs"), temporaryDirectory: scratch.file("tmp"))
        // Small batches, so several flushes happen while both hashing threads store.
        let writer = BlobBatchWriter(store: store, batchFiles: 16)
        var scanner = ProjectScanner(root: project, cacheDirectory: scratch.file("hashes"))
        scanner.store = writer
        let storing = try scanner.scan()
        let stored = try writer.finish()
        #expect(storing.manifest == plain.manifest)
        #expect(stored == Set(plain.manifest.digests))
        #expect(writer.addedToStore.files == stored.count)
        for entry in plain.manifest.entries {
            guard let digest = entry.digest else { continue }
            #expect(try store.read(digest) == Data(contentsOf: project.appendingPathComponent(entry.path)))
        }
        #expect(store.verifyAll().corrupt.isEmpty)
        #expect(try filesBelow(scratch.file("tmp").path).isEmpty)
        // A second scan reads nothing (the hash cache) and so stores nothing.
        let again = BlobBatchWriter(store: store)
        scanner.store = again
        #expect(try scanner.scan().statistics.filesHashed == 0)
        #expect(try again.finish().isEmpty)
    }
}
