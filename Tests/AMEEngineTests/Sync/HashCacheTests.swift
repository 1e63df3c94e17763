import AMECore
import AMEEngine
import AMETestSupport
import Crypto
import Foundation
import Testing

@Suite struct HashCacheTests {
    static let digest = AMECore.Digest(bytes: SHA256.hash(data: Data("x".utf8)))
    static let old: Int64 = 1_700_000_000_000_000_000
    static let scanTime = old + 3_600_000_000_000

    func sampleCache(count: Int) -> HashCache {
        var cache = HashCache(scanStartedAt: Self.scanTime)
        for index in 0..<count {
            cache.record(path: "dir\(index % 97)/file-\(index).py",
                         entry: .init(size: Int64(index), modificationTime: Self.old + Int64(index), inode: UInt64(1000 + index),
                                      digest: Self.digest))
        }
        return cache
    }

    @Test func roundTripsThroughItsFile() throws {
        let directory = try TemporaryDirectory(prefix: "ame-cache")
        let url = directory.file("x.cache")
        let cache = sampleCache(count: 50)
        try cache.save(to: url)
        let loaded = HashCache.load(from: url)
        #expect(loaded.discardReason == nil)
        #expect(loaded.scanStartedAt == Self.scanTime)
        #expect(loaded.entries == cache.entries)
    }

    @Test func hitsOnlyWhenSizeMtimeAndInodeAgree() {
        let cache = sampleCache(count: 3)
        let path = "dir1/file-1.py"
        #expect(cache.digest(forPath: path, size: 1, modificationTime: Self.old + 1, inode: 1001) == Self.digest)
        #expect(cache.digest(forPath: path, size: 2, modificationTime: Self.old + 1, inode: 1001) == nil)
        #expect(cache.digest(forPath: path, size: 1, modificationTime: Self.old + 2, inode: 1001) == nil)
        #expect(cache.digest(forPath: path, size: 1, modificationTime: Self.old + 1, inode: 9) == nil)
        #expect(cache.digest(forPath: "other", size: 1, modificationTime: Self.old + 1, inode: 1001) == nil)
    }

    @Test func entriesModifiedCloseToTheScanAreNotTrusted() {
        var cache = HashCache(scanStartedAt: Self.scanTime)
        // Fine (sub-second) mtimes: trusted once 50 ms older than the scan.
        let racy = Self.scanTime - 20_000_001
        let settled = Self.scanTime - 60_000_001
        // Whole-second mtimes may come from a two-second file system: not trusted at 1 s.
        let wholeRacy = (Self.scanTime / 1_000_000_000 - 1) * 1_000_000_000
        let wholeSettled = (Self.scanTime / 1_000_000_000 - 3) * 1_000_000_000
        for (path, time) in [("racy", racy), ("settled", settled), ("whole-racy", wholeRacy), ("whole-settled", wholeSettled)] {
            cache.record(path: path, entry: .init(size: 1, modificationTime: time, inode: 1, digest: Self.digest))
        }
        #expect(cache.digest(forPath: "racy", size: 1, modificationTime: racy, inode: 1) == nil)
        #expect(cache.digest(forPath: "settled", size: 1, modificationTime: settled, inode: 1) == Self.digest)
        #expect(cache.digest(forPath: "whole-racy", size: 1, modificationTime: wholeRacy, inode: 1) == nil)
        #expect(cache.digest(forPath: "whole-settled", size: 1, modificationTime: wholeSettled, inode: 1) == Self.digest)
    }

    @Test(arguments: ["truncated", "flipped", "garbage", "empty", "wrong magic"])
    func damagedFilesAreDiscarded(_ damage: String) throws {
        let directory = try TemporaryDirectory(prefix: "ame-cache")
        let url = directory.file("x.cache")
        var bytes = sampleCache(count: 10).encoded()
        switch damage {
        case "truncated": bytes = bytes.prefix(bytes.count - 7)
        case "flipped": bytes[40] ^= 0x01
        case "garbage": bytes = Data((0..<500).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        case "empty": bytes = Data()
        default: bytes.replaceSubrange(0..<4, with: Data("XXXX".utf8))
        }
        try bytes.write(to: url)
        let loaded = HashCache.load(from: url)
        #expect(loaded.count == 0)
        #expect(loaded.discardReason != nil)
    }

    @Test func cacheFileIsNamedByTheProjectPath() {
        let directory = URL(fileURLWithPath: "/var/cache/ame/hashes")
        let first = HashCache.file(forProjectRoot: URL(fileURLWithPath: "/home/u/project"), in: directory)
        let again = HashCache.file(forProjectRoot: URL(fileURLWithPath: "/home/u/project/"), in: directory)
        let other = HashCache.file(forProjectRoot: URL(fileURLWithPath: "/home/u/other"), in: directory)
        #expect(first == again)
        #expect(first != other)
        #expect(first.deletingLastPathComponent().path == directory.path)
        #expect(first.pathExtension == "cache")
        #expect(first.deletingPathExtension().lastPathComponent.count == 64)
    }

    @Test func tenThousandEntriesLoadQuickly() throws {
        let directory = try TemporaryDirectory(prefix: "ame-cache")
        let url = directory.file("big.cache")
        try sampleCache(count: 10_000).save(to: url)
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        let clock = ContinuousClock()
        var loaded = HashCache()
        var timings: [Duration] = []
        for _ in 0..<5 {
            timings.append(clock.measure { loaded = HashCache.load(from: url) })
        }
        #expect(loaded.count == 10_000)
        let best = timings.min() ?? .zero
        print("HashCache: 10,000 entries, \(size) bytes, first load \(timings[0]), best of 5 \(best)")
        // Generous: a debug build on a busy machine; release loads in a few milliseconds.
        #expect(best < .seconds(10))
    }
}
