import AMECore
import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// Ignore rules compared with `git check-ignore` on real trees: a table of tricky patterns,
/// then randomly generated patterns and trees.
@Suite struct IgnoreRulesGitTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Ignore file path → content.
        var ignoreFiles: [String: String]
        /// Paths to create; a trailing `/` makes a directory.
        var tree: [String]

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "negation of a basename pattern",
             ignoreFiles: [".gitignore": "*.log\n!important.log\n"],
             tree: ["a.log", "important.log", "dir/b.log", "dir/important.log", "dir/c.txt"]),
        Case(name: "trailing slash matches directories only",
             ignoreFiles: [".gitignore": "build/\n"],
             tree: ["build/out.o", "sub/build", "sub/deeper/build/x"]),
        Case(name: "leading slash anchors to the root",
             ignoreFiles: [".gitignore": "/root-only.txt\n/top/\n"],
             tree: ["root-only.txt", "sub/root-only.txt", "top/x", "sub/top/x"]),
        Case(name: "a middle slash anchors too",
             ignoreFiles: [".gitignore": "doc/*.txt\n"],
             tree: ["doc/a.txt", "doc/sub/b.txt", "x/doc/a.txt", "doc/c.md"]),
        Case(name: "leading double star",
             ignoreFiles: [".gitignore": "**/foo\n**/bar/baz\n"],
             tree: ["foo", "a/foo", "a/b/foo/x", "bar/baz", "q/bar/baz", "bar/q/baz"]),
        Case(name: "trailing double star",
             ignoreFiles: [".gitignore": "abc/**\n"],
             tree: ["abc/x", "abc/d/e", "abcd/x", "q/abc/x"]),
        Case(name: "middle double star",
             ignoreFiles: [".gitignore": "a/**/b\n"],
             tree: ["a/b", "a/x/b", "a/x/y/b", "a/xb", "x/a/b", "a/b2"]),
        Case(name: "double star glued to other characters is a single star",
             ignoreFiles: [".gitignore": "foo**/bar\n**baz\nq/**x\n"],
             tree: ["foo/bar", "fooa/bar", "foo/x/bar", "fooz/y/bar", "abaz", "d/xbaz", "q/x", "q/ax", "q/a/x"]),
        Case(name: "escapes, comments and trailing spaces",
             ignoreFiles: [".gitignore": "# a comment\n\\#hash\n\\!bang\ntrailing\\ \nspaces   \n\\*star\n"],
             tree: ["# a comment", "#hash", "!bang", "trailing ", "trailing", "spaces", "spaces   ", "*star", "xstar"]),
        Case(name: "character classes",
             ignoreFiles: [".gitignore": "[a-c]?.txt\n[!x]*.md\n[]]z\n[[:digit:]]*\n[a-]q\n"],
             tree: ["a1.txt", "d1.txt", "b.txt", "y.md", "x.md", "]z", "1abc", "-q", "aq", "bq"]),
        Case(name: "a file inside an excluded directory cannot be re-included",
             ignoreFiles: [".gitignore": "logs/\n!logs/keep.log\n"],
             tree: ["logs/keep.log", "logs/other.log"]),
        Case(name: "excluding the contents, not the directory, allows re-inclusion",
             ignoreFiles: [".gitignore": "logs/*\n!logs/keep.log\n"],
             tree: ["logs/keep.log", "logs/other.log", "logs/sub/keep.log"]),
        Case(name: "everything except one deep path",
             ignoreFiles: [".gitignore": "/*\n!/foo\n/foo/*\n!/foo/bar\n"],
             tree: ["a", "foo/bar/x", "foo/baz", "b/c"]),
        Case(name: "ignore everything except Python files",
             ignoreFiles: [".gitignore": "*\n!*/\n!*.py\n"],
             tree: ["a.py", "b.txt", "pkg/c.py", "pkg/d.bin", "pkg/sub/e.py"]),
        Case(name: "nested file overrides its parent",
             ignoreFiles: [".gitignore": "*.tmp\nsecret\n", "sub/.gitignore": "!keep.tmp\n/local\n"],
             tree: ["a.tmp", "keep.tmp", "sub/keep.tmp", "sub/b.tmp", "sub/local", "sub/x/local", "local", "sub/secret"]),
        Case(name: "nested patterns are relative to their directory",
             ignoreFiles: ["sub/.gitignore": "a/b\n*.o\n"],
             tree: ["sub/a/b", "sub/x/a/b", "a/b", "sub/q/z.o", "z.o"]),
        Case(name: "nested file in an ignored directory is never read",
             ignoreFiles: [".gitignore": "vendor/\n", "vendor/.gitignore": "!*\n"],
             tree: ["vendor/lib.c", "vendor/x/y"]),
        Case(name: "a deeper ignore file re-includes what a parent ignores by basename",
             ignoreFiles: [".gitignore": "data\n", "a/.gitignore": "!data\n"],
             tree: ["data/x", "a/data/y", "a/b/data/z"]),
        Case(name: "CRLF line endings and a byte order mark",
             ignoreFiles: [".gitignore": "\u{FEFF}first\r\nsecond\r\n"],
             tree: ["first", "second", "third"]),
        Case(name: "directory pattern with wildcards and double star at the end",
             ignoreFiles: [".gitignore": "foo/**/\n*.d/\n"],
             tree: ["foo/a/x", "foo/b", "bar.d/x", "bar.d2/x", "q/z.d/x"]),
        Case(name: "question mark does not match a slash",
             ignoreFiles: [".gitignore": "a?b\nx/?/z\n"],
             tree: ["a/b", "acb", "x/y/z", "x/yy/z"]),
        Case(name: "pattern naming a file via its parent with a trailing star",
             ignoreFiles: [".gitignore": "out*\n!out/keep\n"],
             tree: ["out/keep", "output.txt", "out2/x"]),
    ]

    @Test(arguments: cases)
    func agreesWithGit(_ testCase: Case) throws {
        let directory = try TemporaryDirectory(prefix: "ame-ignore")
        let tree = Tree(root: directory.url)
        try tree.create(testCase.tree, contents: testCase.ignoreFiles)
        try compareWithGit(root: directory.url, context: testCase.name)
    }

    @Test func handWrittenExpectations() throws {
        // Independent of git, in case the oracle and the port share a misunderstanding.
        let directory = try TemporaryDirectory(prefix: "ame-ignore")
        try Tree(root: directory.url).create(["logs/keep.log", "a.log", "important.log", "build/x", "src/build"],
                                             contents: [".gitignore": "*.log\n!important.log\nlogs/\nbuild/\n"])
        let rules = try IgnoreRules.load(root: directory.url, flavour: .sync)
        #expect(rules.isIgnored(relativePath: "a.log", isDirectory: false))
        #expect(!rules.isIgnored(relativePath: "important.log", isDirectory: false))
        #expect(rules.isIgnored(relativePath: "logs/keep.log", isDirectory: false))
        #expect(rules.isIgnored(relativePath: "build", isDirectory: true))
        #expect(!rules.isIgnored(relativePath: "src/build", isDirectory: false))
        #expect(rules.isIgnored(relativePath: ".git", isDirectory: true))
        #expect(rules.isIgnored(relativePath: "sub/.git/config", isDirectory: false))
    }

    @Test func ameignoreComesAfterGitignoreInTheSameDirectory() throws {
        let directory = try TemporaryDirectory(prefix: "ame-ignore")
        try Tree(root: directory.url).create(["model.pkl", "data.csv", "notes.txt"],
                                             contents: [".gitignore": "*.pkl\n", ".ameignore": "!model.pkl\n*.csv\n"])
        let sync = try IgnoreRules.load(root: directory.url, flavour: .sync)
        #expect(!sync.isIgnored(relativePath: "model.pkl", isDirectory: false))
        #expect(sync.isIgnored(relativePath: "data.csv", isDirectory: false))
        #expect(!sync.isIgnored(relativePath: "notes.txt", isDirectory: false))
    }

    @Test func artifactsFlavourSkipsGitignoreButHasBuiltIns() throws {
        let directory = try TemporaryDirectory(prefix: "ame-ignore")
        try Tree(root: directory.url).create(["model.pkl", "__pycache__/m.cpython-312.pyc", "a.pyc", ".venv/bin/python",
                                              ".ipynb_checkpoints/x", ".ame/state", "pkg/.venv/x", "keep.pyc"],
                                             contents: [".gitignore": "*.pkl\n", ".ameignore": "!keep.pyc\n"])
        let rules = try IgnoreRules.load(root: directory.url, flavour: .artifacts)
        #expect(!rules.isIgnored(relativePath: "model.pkl", isDirectory: false))
        #expect(rules.isIgnored(relativePath: "__pycache__/m.cpython-312.pyc", isDirectory: false))
        #expect(rules.isIgnored(relativePath: "a.pyc", isDirectory: false))
        #expect(rules.isIgnored(relativePath: ".venv/bin/python", isDirectory: false))
        #expect(rules.isIgnored(relativePath: "pkg/.venv/x", isDirectory: false))
        #expect(rules.isIgnored(relativePath: ".ipynb_checkpoints/x", isDirectory: false))
        #expect(rules.isIgnored(relativePath: ".ame/state", isDirectory: false))
        #expect(rules.isIgnored(relativePath: ".git/HEAD", isDirectory: false))
        // Built-ins sit below the user's files, so `.ameignore` can still negate them.
        #expect(!rules.isIgnored(relativePath: "keep.pyc", isDirectory: false))
    }

    @Test func symlinkedIgnoreFileIsNotFollowed() throws {
        let outside = try TemporaryDirectory(prefix: "ame-outside")
        try outside.write("patterns", "*.txt\n")
        let directory = try TemporaryDirectory(prefix: "ame-ignore")
        try directory.write("a.txt", "a")
        try FileManager.default.createSymbolicLink(atPath: directory.file(".gitignore").path, withDestinationPath: outside.file("patterns").path)
        let rules = try IgnoreRules.load(root: directory.url, flavour: .sync)
        #expect(!rules.isIgnored(relativePath: "a.txt", isDirectory: false))
    }

    // MARK: - Randomized

    @Test func randomPatternsAgreeWithGit() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["AME_IGNORE_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
        var generator = SplitMix64(seed: seed)
        // AME_IGNORE_ROUNDS=2000 for a longer hunt; the default keeps the suite fast.
        let rounds = Int(ProcessInfo.processInfo.environment["AME_IGNORE_ROUNDS"] ?? "") ?? 60
        for round in 0..<rounds {
            let directory = try TemporaryDirectory(prefix: "ame-ignore-random")
            let (tree, ignoreFiles) = Self.randomCase(using: &generator)
            try Tree(root: directory.url).create(tree, contents: ignoreFiles)
            let description = ignoreFiles.sorted { $0.key < $1.key }.map { "\($0.key):\n\($0.value)" }.joined(separator: "\n")
            try compareWithGit(root: directory.url, context: "seed \(seed) (AME_IGNORE_SEED), round \(round)\n\(description)")
        }
    }

    static let names = ["a", "b", "ab", "ba", "c.txt", "d.log", "a.b", "x y", "#h", "!n", "[b]", "*s", "foo", "bar"]
    static let segments = ["a", "b", "ab", "c.txt", "d.log", "foo", "bar", "*", "?", "a*", "*b", "*.txt", "[ab]", "[!a]*", "[a-c]",
                           "**", "**", "\\#h", "\\!n", "\\[b]", "\\*s", "x\\ y", "f*o", "?a*",
                           "[[:alpha:]]*", "[]a]", "**a", "a**", "[a-]", "\\[[]b]", "*.*"]

    static func randomCase(using generator: inout SplitMix64) -> (tree: [String], ignoreFiles: [String: String]) {
        var tree: [String] = []
        var directories = [""]
        for _ in 0..<Int.random(in: 8...24, using: &generator) {
            let parent = directories.randomElement(using: &generator) ?? ""
            let name = names.randomElement(using: &generator) ?? "a"
            let path = parent.isEmpty ? name : parent + "/" + name
            // A name cannot be a file and a directory at once.
            if tree.contains(path) || tree.contains(path + "/") { continue }
            if parent.split(separator: "/").count < 3 && Bool.random(using: &generator) {
                tree.append(path + "/")
                directories.append(path)
            } else {
                tree.append(path)
            }
        }
        var ignoreFiles: [String: String] = [:]
        for directory in directories where directory.isEmpty || Int.random(in: 0..<3, using: &generator) == 0 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...5, using: &generator) {
                lines.append(randomPattern(using: &generator))
            }
            ignoreFiles[directory.isEmpty ? ".gitignore" : directory + "/.gitignore"] = lines.joined(separator: "\n") + "\n"
        }
        return (tree, ignoreFiles)
    }

    static func randomPattern(using generator: inout SplitMix64) -> String {
        var parts: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            parts.append(segments.randomElement(using: &generator) ?? "*")
        }
        var pattern = parts.joined(separator: "/")
        if Int.random(in: 0..<4, using: &generator) == 0 { pattern = "/" + pattern }
        if Int.random(in: 0..<4, using: &generator) == 0 { pattern += "/" }
        if Int.random(in: 0..<3, using: &generator) == 0 { pattern = "!" + pattern }
        return pattern
    }

    // MARK: - Comparison

    /// Compares `isIgnored` for every path of the tree, and the scanner's manifest, with git.
    func compareWithGit(root: URL, context: String) throws {
        let tree = Tree(root: root)
        let paths = try tree.allPaths()
        let ignoredByGit = try GitOracle.ignoredPaths(in: root, paths: paths.map(\.path))
        let rules = try IgnoreRules.load(root: root, flavour: .sync)
        for (path, isDirectory) in paths {
            let ours = rules.isIgnored(relativePath: path, isDirectory: isDirectory)
            #expect(ours == ignoredByGit.contains(path),
                    "\(path)\(isDirectory ? "/" : ""): git says \(ignoredByGit.contains(path) ? "ignored" : "kept"), AME says \(ours ? "ignored" : "kept")\n\(context)")
        }
        // The scanner's walk decides with its own (incremental) code path: it must agree too.
        let expectedFiles = Set(paths.filter { !$0.isDirectory && !ignoredByGit.contains($0.path) }.map(\.path))
        let scanned = try ProjectScanner(root: root, cacheDirectory: nil).scan()
        let scannedFiles = Set(scanned.manifest.entries.map(\.path))
        #expect(scannedFiles == expectedFiles,
                "scanner: missing \(expectedFiles.subtracting(scannedFiles).sorted()), extra \(scannedFiles.subtracting(expectedFiles).sorted())\n\(context)")
    }
}
