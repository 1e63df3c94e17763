import AMECore
import Foundation
import Testing

/// A manifest comes from a client the server does not trust: nothing in it may point
/// outside the directory it is materialized into.
@Suite struct ManifestTests {
    let digest = Digest(bytes: [UInt8](repeating: 7, count: 32))

    func file(_ path: String) -> Manifest.Entry { Manifest.Entry(path: path, digest: digest, size: 1) }

    @Test(arguments: ["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/./b", ""])
    func unsafePathsAreRejected(path: String) {
        #expect(throws: Manifest.InvalidPath.self) { try Manifest(entries: [file(path)]).validate() }
    }

    @Test func safeManifestsPass() throws {
        try Manifest(entries: [file("a.txt"), file("src/b.py"), Manifest.Entry(path: "src/link", symlinkTo: "../a.txt"),
                               Manifest.Entry(path: "root", symlinkTo: ".")]).validate()
    }

    @Test(arguments: [
        [Manifest.Entry(path: "up", symlinkTo: "..")],
        [Manifest.Entry(path: "abs", symlinkTo: "/etc")],
        [Manifest.Entry(path: "a/b", symlinkTo: "../../x")],
        // Each harmless alone; together `esc` leaves the root through `dot`.
        [Manifest.Entry(path: "dot", symlinkTo: "."), Manifest.Entry(path: "esc", symlinkTo: "dot/..")],
        [Manifest.Entry(path: "sub/dot", symlinkTo: "."), Manifest.Entry(path: "sub/esc", symlinkTo: "dot/../..")],
    ])
    func escapingSymlinksAreRejected(entries: [Manifest.Entry]) {
        #expect(throws: Manifest.InvalidPath.self) { try Manifest(entries: entries).validate() }
    }

    @Test func nothingMayLiveInsideAFileOrASymlink() {
        #expect(throws: Manifest.InvalidPath.self) { try Manifest(entries: [file("a"), file("a/b")]).validate() }
        #expect(throws: Manifest.InvalidPath.self) {
            try Manifest(entries: [Manifest.Entry(path: "data", symlinkTo: "real"), file("data/x")]).validate()
        }
    }

    @Test func duplicatePathsAreRejected() {
        #expect(throws: Manifest.InvalidPath.self) { try Manifest(entries: [file("a"), file("a")]).validate() }
    }

    /// Decoded entries are sorted whatever order they came in, so every check sees a set.
    @Test func entriesAreSortedWhenDecodedInAnyOrder() throws {
        let digest = String(repeating: "a", count: 64)
        let json = #"{"entries":[{"path":"d/d/d/d2/up/PWNED","kind":"file","digest":"\#(digest)","size":1,"executable":false},"# +
            #"{"path":"d/d/d/d2/up","kind":"symlink","size":0,"executable":false,"target":"../../../.."},"# +
            #"{"path":"d","kind":"symlink","size":0,"executable":false,"target":"."}]}"#
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(json.utf8))
        #expect(manifest.entries.map(\.path) == ["d", "d/d/d/d2/up", "d/d/d/d2/up/PWNED"])
        #expect(manifest.entry(at: "d")?.kind == .symlink)
        #expect(throws: Manifest.InvalidPath.self) { try manifest.validate() }
    }

    @Test func pathsAndNamesTooLongForAWorkspaceAreRefused() {
        let longName = String(repeating: "n", count: 256)
        let longPath = (0..<11).map { _ in String(repeating: "p", count: 200) }.joined(separator: "/")
        #expect(Manifest.problem(with: longName)?.contains("longer than 255") == true)
        #expect(Manifest.problem(with: longPath)?.contains("longer than 2048") == true)
        #expect(Manifest.problem(with: String(repeating: "n", count: 255)) == nil)
    }
}
