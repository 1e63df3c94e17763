import AMEClient
import AMECore
import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// An upload keeps a file open per blob until its batch is flushed. Started from a shell,
/// a server often gets a soft limit of 1,024 open files (here 128): it raises it, so a batch
/// bigger than that is stored rather than refused with "too many open files".
@Suite struct OpenFileLimitTests {
    @Test func aServerStartedWithALowSoftLimitStoresABatchLargerThanIt() async throws {
        let sandbox = try AMESandbox(.embedded)
        let server = try sandbox.startServer(softOpenFileLimit: 128)
        defer { sandbox.stopServer() }
        let api = HTTPJobsAPI(baseURL: try #require(URL(string: server.url)), token: server.adminToken)
        let directory = try TemporaryDirectory()
        var files: [(digest: Digest, file: URL)] = []
        for index in 0..<300 {
            let file = try directory.write("in/\(index).txt", "blob \(index)\n")
            files.append((try BlobStore.hash(fileAt: file).digest, file))
        }
        try await api.uploadBlobs(files)
        #expect(try await api.missingBlobs(files.map(\.digest)).isEmpty)
        let limits = try String(contentsOfFile: "/proc/\(server.process.pid)/limits", encoding: .utf8)
        let openFiles = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        #expect(!openFiles.split(separator: " ").contains("128"), "\(openFiles)")
    }
}
