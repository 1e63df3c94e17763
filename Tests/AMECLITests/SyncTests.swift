import AMETestSupport
import Foundation
import Testing

@Suite("ame sync")
struct SyncTests {
    @Test("outside a project, sync refuses as run and tasks do, and uploads nothing")
    func outsideAProject() async throws {
        let folder = try Project()
        try folder.directory.write("f", "a\n")
        let result = await folder.run(["sync"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no ame.yaml found in \(folder.url.path)"), "\(result.stderr)")
        #expect(result.stderr.contains("ame create project"), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        // No engine was opened: nothing was hashed or stored.
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(".local/share/ame").path))
    }

    @Test("in a project, sync uploads its files")
    func inAProject() async throws {
        let project = try Project("projectname: synced\ntasks:\n  t:\n    runcommand: 'true'\n")
        try project.directory.write("data.txt", "a\n")
        // The harness's HOME is the project: the embedded engine's live database (which
        // changes while it is uploaded) is not the project's to sync.
        try project.directory.write(".ameignore", ".local/\n.cache/\n")
        let result = await project.run(["sync", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        #expect((report["files"] as? Int ?? 0) >= 2)
    }
}
