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
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("tmp").path).isEmpty)
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
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("tmp").path).isEmpty)
    }
}
