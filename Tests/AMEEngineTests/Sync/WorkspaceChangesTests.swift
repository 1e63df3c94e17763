import AMECore
import AMEEngine
import AMETestSupport
import Crypto
import Foundation
import Testing

@Suite struct WorkspaceChangesTests {
    /// A materialized workspace: its files, the manifest it came from and the stamps taken
    /// before the "run".
    struct Workspace {
        let directory: TemporaryDirectory
        let baseline: Manifest
        let stamps: [String: FileStamp]

        init(files: [String: String]) throws {
            directory = try TemporaryDirectory(prefix: "ame-workspace")
            for (path, content) in files { try directory.write(path, content) }
            baseline = try ProjectScanner(root: directory.url, cacheDirectory: nil).scan().manifest
            stamps = try WorkspaceChanges.captureStamps(workspace: directory.url, manifest: baseline)
        }

        func collect(globs: [String] = [], stamps: [String: FileStamp]? = nil) throws -> [Manifest.Entry] {
            try WorkspaceChanges.collect(workspace: directory.url, baseline: baseline, stamps: stamps ?? self.stamps, globs: globs)
        }
    }

    @Test func reportsNewAndChangedFilesOnly() throws {
        let workspace = try Workspace(files: [
            "train.py": "print(1)\n", "data.csv": "a,b\n", "config.json": "{\"lr\": 1}", ".gitignore": "*.pt\n",
            "same.txt": "same",
        ])
        let directory = workspace.directory
        // The run, right away (within the same second as materialization):
        try directory.write("config.json", "{\"lr\": 2}") // same size, new content
        try directory.write("model.pt", "weights") // new, and gitignored: still an artifact
        try FileManager.default.removeItem(at: directory.file("data.csv")) // deleted: not reported
        try directory.write("same.txt", "same") // rewritten with the same content: not a change
        try directory.write("__pycache__/train.cpython-312.pyc", "bytecode")
        try directory.write("cache.pyc", "bytecode")
        try directory.write(".venv/bin/python", "#!")
        try directory.write(".ipynb_checkpoints/x.ipynb", "{}")

        let changes = try workspace.collect()
        #expect(changes.map(\.path) == ["config.json", "model.pt"])
        #expect(changes.first?.digest == AMECore.Digest(bytes: SHA256.hash(data: Data("{\"lr\": 2}".utf8))))
        #expect(changes.last?.size == 7)
    }

    @Test func materializedFilesAreBackdatedSoStampsCanBeTrusted() throws {
        let workspace = try Workspace(files: ["a.txt": "a"])
        let stamp = try #require(workspace.stamps["a.txt"])
        #expect(stamp.isTrustworthy)
        #expect(stamp.modificationTime < FileTimes.now() - FileStamp.racyMargin)
    }

    @Test func untouchedStampedFilesAreNotRead() throws {
        let workspace = try Workspace(files: ["weights.bin": "0000"])
        let path = workspace.directory.file("weights.bin").path
        // Forge a change that leaves size, mtime and inode as stamped: only reading could see it.
        let mtime = FileTimes.modificationTime(path)
        let handle = try FileHandle(forWritingTo: workspace.directory.file("weights.bin"))
        try handle.write(contentsOf: Data("1111".utf8))
        try handle.close()
        try FileTimes.setModificationTime(path, nanoseconds: mtime)

        #expect(try workspace.collect().isEmpty)
        // Without stamps the file is read, and the change found.
        #expect(try workspace.collect(stamps: [:]).map(\.path) == ["weights.bin"])
        // A stamp taken too close to the file's mtime proves nothing either.
        var racy = try #require(workspace.stamps["weights.bin"])
        racy.recordedAt = racy.modificationTime
        #expect(try workspace.collect(stamps: ["weights.bin": racy]).map(\.path) == ["weights.bin"])
    }

    @Test func globsSelectWhatCounts() throws {
        let workspace = try Workspace(files: ["train.py": "x"])
        let directory = workspace.directory
        for path in ["out/a.bin", "out/sub/b.bin", "m.pt", "sub/n.pt", "metrics.json", "other.txt"] {
            try directory.write(path, path)
        }
        #expect(try workspace.collect(globs: ["out", "*.pt"]).map(\.path) == ["m.pt", "out/a.bin", "out/sub/b.bin"])
        #expect(try workspace.collect(globs: ["**/*.pt", "metrics.json"]).map(\.path) == ["m.pt", "metrics.json", "sub/n.pt"])
        #expect(try workspace.collect(globs: ["nothing/**"]).isEmpty)
    }

    @Test func ameignoreInTheWorkspaceApplies() throws {
        let workspace = try Workspace(files: [".ameignore": "logs/\n"])
        try workspace.directory.write("logs/run.log", "x")
        try workspace.directory.write("result.txt", "y")
        #expect(try workspace.collect().map(\.path) == ["result.txt"])
    }

    @Test func symlinksCreatedByTheRunCountWhenTheyStayInside() throws {
        let workspace = try Workspace(files: ["out/epoch10.pt": "w"])
        let directory = workspace.directory
        try FileManager.default.createSymbolicLink(atPath: directory.file("latest.pt").path, withDestinationPath: "out/epoch10.pt")
        try FileManager.default.createSymbolicLink(atPath: directory.file("passwd").path, withDestinationPath: "/etc/passwd")
        let changes = try workspace.collect()
        #expect(changes.map(\.path) == ["latest.pt"])
        #expect(changes.first?.kind == .symlink)
        #expect(changes.first?.target == "out/epoch10.pt")
    }

    @Test func invalidGlobIsAnError() throws {
        let workspace = try Workspace(files: ["a": "a"])
        #expect(throws: SyncError.invalidGlob(glob: "../secrets", reason: "uses '..'; artifacts are paths inside the project")) {
            try workspace.collect(globs: ["../secrets"])
        }
    }
}
