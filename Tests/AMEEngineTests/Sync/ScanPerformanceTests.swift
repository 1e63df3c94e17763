import AMECore
import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// Prints how long scans of a 10,000-file project take and asserts only generous bounds: the
/// figures that matter come from a release build (`swift build -c release`), where a warm scan
/// must stay well under 300 ms.
@Suite struct ScanPerformanceTests {
    @Test func tenThousandFilesWarmCacheReadsNothing() throws {
        let project = try TemporaryDirectory(prefix: "ame-perf")
        let caches = try TemporaryDirectory(prefix: "ame-perf-cache")
        let fileCount = 10_000
        let clock = ContinuousClock()
        let generationStarted = clock.now
        try project.write(".gitignore", "*.log\nbuild/\n")
        for index in 0..<100 {
            try FileManager.default.createDirectory(at: project.file("pkg\(index % 10)/mod\(index)"), withIntermediateDirectories: true)
        }
        for index in 0..<fileCount {
            // 100 directories in two levels, files of 0.1–2 KB, a sprinkle of ignored files.
            let path = "pkg\(index % 10)/mod\(index % 100)/file\(index).py"
            _ = FileManager.default.createFile(atPath: project.file(path).path,
                                               contents: Data(String(repeating: "# line \(index)\n", count: 1 + index % 150).utf8))
            if index % 500 == 0 { _ = FileManager.default.createFile(atPath: project.file("pkg\(index % 10)/debug\(index).log").path, contents: Data()) }
        }
        // Settled files, as in a real project (fresh ones are re-hashed once by design).
        try FileTimes.backdateTree(project.url)
        let generation = clock.now - generationStarted
        let scanner = ProjectScanner(root: project.url, cacheDirectory: caches.url)

        let cold = try scanner.scan()
        let warm = try scanner.scan()
        let uncached = try ProjectScanner(root: project.url, cacheDirectory: nil).scan()

        print("""
            ScanPerformance (\(Self.configuration)): \(cold.statistics.files) files, \(cold.statistics.totalBytes) bytes, \
            generated in \(generation)
              cold scan (empty cache):  \(cold.statistics.duration), hashed \(cold.statistics.bytesHashed) bytes
              warm scan (cache):        \(warm.statistics.duration), hashed \(warm.statistics.bytesHashed) bytes, \
            \(warm.statistics.cacheHits) cache hits
              scan without cache:       \(uncached.statistics.duration)
            """)
        #expect(cold.statistics.files == fileCount + 1)
        #expect(warm.statistics.bytesHashed == 0)
        #expect(warm.statistics.filesHashed == 0)
        #expect(warm.statistics.cacheHits == fileCount + 1)
        #expect(warm.manifest == cold.manifest)
        #expect(uncached.manifest == cold.manifest)
        // Generous, for a debug build on a shared two-core machine.
        #expect(warm.statistics.duration < .seconds(30))
    }

    static var configuration: String {
        #if DEBUG
        return "debug build"
        #else
        return "release build"
        #endif
    }
}
