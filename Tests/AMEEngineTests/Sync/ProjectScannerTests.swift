import AMECore
import AMEEngine
import AMETestSupport
import Crypto
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProjectScannerTests {
    func sha256(_ text: String) -> AMECore.Digest { AMECore.Digest(bytes: SHA256.hash(data: Data(text.utf8))) }

    @Test func manifestHoldsFilesWithDigestsSizesAndModes() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        try project.write("train.py", "print('hi')\n")
        try project.write("run.sh", "#!/bin/sh\n", mode: 0o755)
        try project.write("src/pkg/model.py", "x = 1\n")
        try project.write("data/big.bin", "ignored")
        try project.write(".gitignore", "data/\n*.tmp\n")
        try project.write("scratch.tmp", "t")
        try project.write(".git/HEAD", "ref: refs/heads/main\n")
        try project.write("empty/.keep", "")

        let result = try ProjectScanner(root: project.url, cacheDirectory: nil).scan()
        let manifest = result.manifest
        #expect(manifest.entries.map(\.path) == [".gitignore", "empty/.keep", "run.sh", "src/pkg/model.py", "train.py"])
        #expect(manifest.entry(at: "train.py")?.digest == sha256("print('hi')\n"))
        #expect(manifest.entry(at: "train.py")?.size == 12)
        #expect(manifest.entry(at: "run.sh")?.executable == true)
        #expect(manifest.entry(at: "train.py")?.executable == false)
        #expect(result.warnings.isEmpty)
        #expect(result.statistics.files == 5)
        #expect(result.statistics.filesHashed == 5)
        #expect(result.statistics.totalBytes == manifest.totalSize)
        try manifest.validate()
    }

    @Test func symlinksInsideAreKeptAndOthersSkippedWithAWarning() throws {
        let outside = try TemporaryDirectory(prefix: "ame-outside")
        try outside.write("secret", "s")
        let project = try TemporaryDirectory(prefix: "ame-scan")
        try project.write("a.txt", "a")
        try project.write("sub/b.txt", "b")
        let links: [(String, String)] = [
            ("to-file", "a.txt"),
            ("sub/up", "../a.txt"),
            ("dirlink", "sub"),
            ("dot", "."),
            ("dangling", "missing.txt"),
            ("absolute", outside.file("secret").path),
            ("escape", "../\(outside.url.lastPathComponent)/secret"),
            ("through-dot", "dot/../x"),
            ("out", outside.url.path),
            ("via-out", "out/secret"),
        ]
        for (path, target) in links {
            try FileManager.default.createSymbolicLink(atPath: project.file(path).path, withDestinationPath: target)
        }

        let result = try ProjectScanner(root: project.url, cacheDirectory: nil).scan()
        let symlinks = Dictionary(uniqueKeysWithValues: result.manifest.entries.filter { $0.kind == .symlink }.map { ($0.path, $0.target ?? "") })
        #expect(symlinks == ["to-file": "a.txt", "sub/up": "../a.txt", "dirlink": "sub", "dot": ".", "dangling": "missing.txt"])
        // A directory symlink is an entry, never a way in.
        #expect(!result.manifest.entries.contains { $0.path.hasPrefix("dirlink/") })
        for skipped in ["absolute", "escape", "through-dot", "out", "via-out"] {
            #expect(result.warnings.contains { $0.contains("'\(skipped)'") }, "no warning for \(skipped): \(result.warnings)")
        }
        #expect(result.warnings.count == 5)
        try result.manifest.validate()
    }

    @Test func specialFilesAreSkippedWithAWarningUnlessIgnored() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        try project.write("a.txt", "a")
        try project.write(".ameignore", "*.ignoredpipe\n")
        #expect(mkfifo(project.file("pipe").path, 0o600) == 0)
        #expect(mkfifo(project.file("quiet.ignoredpipe").path, 0o600) == 0)
        let result = try ProjectScanner(root: project.url, cacheDirectory: nil).scan()
        #expect(result.manifest.entries.map(\.path) == [".ameignore", "a.txt"])
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.contains("'pipe'") == true)
        #expect(result.warnings.first?.contains("FIFO") == true)
    }

    @Test func namesThatAreNotUTF8AreSkippedWithAWarning() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        try project.write("ok.txt", "ok")
        var path = Array(project.path.utf8CString.dropLast())
        path.append(contentsOf: [CChar(bitPattern: UInt8(ascii: "/")), CChar(bitPattern: 0xFF), CChar(bitPattern: UInt8(ascii: "x")), 0])
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o644)
        #expect(descriptor >= 0)
        close(descriptor)
        let result = try ProjectScanner(root: project.url, cacheDirectory: nil).scan()
        #expect(result.manifest.entries.map(\.path) == ["ok.txt"])
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.contains("not valid UTF-8") == true)
    }

    @Test func unreadableFileIsAnErrorNamingIt() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        try project.write("ame.yaml", "projectname: locked\ntasks:\n  t: {runcommand: 'true'}\n")
        try project.write("locked/data.csv", "x", mode: 0o000)
        guard geteuid() == 0 else {
            #expect(throws: SyncError.cannotRead(path: "locked/data.csv", reason: String(cString: strerror(EACCES)))) {
                try ProjectScanner(root: project.url, cacheDirectory: nil).scan()
            }
            return
        }
        // Root reads files whatever their mode, so the scan runs as 'nobody' instead: the
        // same scanner, in `ame sync`, started through util-linux's setpriv.
        let home = try TemporaryDirectory(prefix: "ame-scan-home")
        for directory in [project.path, project.file("locked").path] { chmod(directory, 0o755) }
        chmod(project.file("ame.yaml").path, 0o644)
        chown(home.path, 65534, 65534)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--", Fixtures.ameBinary.path, "sync", "--json"]
        process.currentDirectoryURL = project.url
        process.environment = ["HOME": home.path, "XDG_DATA_HOME": home.path + "/data", "XDG_CACHE_HOME": home.path + "/cache",
                               "XDG_CONFIG_HOME": home.path + "/config", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(message.contains("'locked/data.csv'"), "\(message)")
        #expect(message.contains(String(cString: strerror(EACCES))), "\(message)")
        #expect(message.contains(".ameignore"), "\(message)")
    }

    @Test func unreadableFileMessageTellsWhatToDo() {
        let message = SyncError.cannotRead(path: "data/x.csv", reason: "Permission denied").description
        #expect(message.contains("'data/x.csv'"))
        #expect(message.contains(".ameignore"))
    }

    @Test func missingRootIsAnError() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        #expect(throws: SyncError.self) {
            try ProjectScanner(root: project.file("nope"), cacheDirectory: nil).scan()
        }
    }

    @Test func warmCacheReadsNothingAndNoticesChanges() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        let caches = try TemporaryDirectory(prefix: "ame-caches")
        for index in 0..<20 { try project.write("f\(index).txt", String(repeating: "x", count: index + 1)) }
        try FileTimes.backdateTree(project.url)
        let scanner = ProjectScanner(root: project.url, cacheDirectory: caches.url)

        let cold = try scanner.scan()
        #expect(cold.statistics.filesHashed == 20)
        #expect(cold.statistics.cacheHits == 0)
        let cacheFile = try #require(scanner.cacheFile)
        #expect(FileManager.default.fileExists(atPath: cacheFile.path))

        let warm = try scanner.scan()
        #expect(warm.statistics.bytesHashed == 0)
        #expect(warm.statistics.cacheHits == 20)
        #expect(warm.manifest == cold.manifest)

        // Same size, different content, an mtime that differs but is still old.
        try project.write("f3.txt", "yyyy")
        try FileTimes.setModificationTime(project.file("f3.txt").path, nanoseconds: FileTimes.now() - 5_000_000_000)
        try FileManager.default.removeItem(at: project.file("f4.txt"))
        let changed = try scanner.scan()
        #expect(changed.statistics.filesHashed == 1)
        #expect(changed.statistics.bytesHashed == 4)
        #expect(changed.manifest.entry(at: "f3.txt")?.digest == sha256("yyyy"))
        #expect(changed.manifest.entry(at: "f4.txt") == nil)
        // The deleted file is gone from the saved cache too.
        let saved = HashCache.load(from: cacheFile)
        #expect(saved.count == 19)
        #expect(saved.entries["f4.txt"] == nil)
    }

    @Test func recentlyModifiedFilesAreHashedAgain() throws {
        // "Racy git": a file written in the same second as the scan could change again
        // without its size or mtime changing, so the cache must not vouch for it yet.
        let project = try TemporaryDirectory(prefix: "ame-scan")
        let caches = try TemporaryDirectory(prefix: "ame-caches")
        try project.write("old.txt", "old")
        try FileTimes.backdateTree(project.url)
        try project.write("fresh.txt", "abcd")
        let scanner = ProjectScanner(root: project.url, cacheDirectory: caches.url)
        _ = try scanner.scan()

        // Rewrite with the same size and force the same mtime and inode: only reading can tell.
        let freshPath = project.file("fresh.txt").path
        let mtime = FileTimes.modificationTime(freshPath)
        let handle = try FileHandle(forWritingTo: project.file("fresh.txt"))
        try handle.write(contentsOf: Data("wxyz".utf8))
        try handle.close()
        try FileTimes.setModificationTime(freshPath, nanoseconds: mtime)

        let second = try scanner.scan()
        #expect(second.statistics.cacheHits == 1)
        #expect(second.statistics.filesHashed == 1)
        #expect(second.manifest.entry(at: "fresh.txt")?.digest == sha256("wxyz"))
    }

    @Test func corruptCacheIsDiscardedNotFatal() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        let caches = try TemporaryDirectory(prefix: "ame-caches")
        try project.write("a.txt", "a")
        try FileTimes.backdateTree(project.url)
        let scanner = ProjectScanner(root: project.url, cacheDirectory: caches.url)
        _ = try scanner.scan()
        let cacheFile = try #require(scanner.cacheFile)
        var bytes = try Data(contentsOf: cacheFile)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: cacheFile)

        let result = try scanner.scan()
        #expect(result.statistics.cacheHits == 0)
        #expect(result.statistics.filesHashed == 1)
        #expect(result.manifest.entry(at: "a.txt")?.digest == sha256("a"))
        // Rewritten whole.
        #expect(HashCache.load(from: cacheFile).count == 1)
    }

    @Test func parallelHashingGivesTheSameManifest() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        for index in 0..<40 {
            try project.write("d\(index % 4)/f\(index)", String(repeating: "\(index),", count: index * 5_000), mode: index % 3 == 0 ? 0o755 : 0o644)
        }
        let sequential = try ProjectScanner(root: project.url, cacheDirectory: nil, hashingConcurrency: 1).scan()
        let parallel = try ProjectScanner(root: project.url, cacheDirectory: nil, hashingConcurrency: 2).scan()
        #expect(parallel.manifest == sequential.manifest)
        #expect(parallel.manifest.count == 40)
        #expect(parallel.manifest.entry(at: "d3/f39")?.digest
            == AMECore.Digest(bytes: SHA256.hash(data: Data(String(repeating: "39,", count: 39 * 5_000).utf8))))
    }

    @Test func progressEndsWithEverythingHashed() throws {
        let project = try TemporaryDirectory(prefix: "ame-scan")
        try project.write("a.bin", String(repeating: "a", count: 3 * 1024 * 1024))
        try project.write("b.txt", "b")
        let reports = Reports()
        let result = try ProjectScanner(root: project.url, cacheDirectory: nil).scan { reports.append($0) }
        let last = try #require(reports.all.last)
        #expect(last.phase == .finished)
        #expect(last.filesScanned == 2)
        #expect(last.bytesToHash == result.statistics.bytesHashed)
        #expect(last.bytesHashed == last.bytesToHash)
        #expect(last.fractionHashed == 1)
        #expect(reports.all.contains { $0.phase == .hashing })
    }

    /// Collects progress reports, which may arrive from the hashing threads.
    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var reports: [ScanProgress] = []

        func append(_ report: ScanProgress) {
            lock.lock()
            reports.append(report)
            lock.unlock()
        }

        var all: [ScanProgress] {
            lock.lock()
            defer { lock.unlock() }
            return reports
        }
    }
}
