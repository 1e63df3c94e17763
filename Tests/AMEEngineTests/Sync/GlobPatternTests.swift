import AMEEngine
import Testing

@Suite struct GlobPatternTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var glob: String
        var path: String
        var matches: Bool
        var testDescription: String { "\(glob) \(matches ? "~" : "!~") \(path)" }
    }

    static let cases: [Case] = [
        // `*` stays within a component and the glob is anchored at the project root.
        Case(glob: "*.pkl", path: "model.pkl", matches: true),
        Case(glob: "*.pkl", path: "out/model.pkl", matches: false),
        Case(glob: "**/*.pkl", path: "model.pkl", matches: true),
        Case(glob: "**/*.pkl", path: "a/b/model.pkl", matches: true),
        Case(glob: "out/*.pt", path: "out/m.pt", matches: true),
        Case(glob: "out/*.pt", path: "out/sub/m.pt", matches: false),
        // A directory names everything under it, written any of these ways.
        Case(glob: "out", path: "out/a/b.bin", matches: true),
        Case(glob: "out/", path: "out/a/b.bin", matches: true),
        Case(glob: "./out", path: "out/x", matches: true),
        Case(glob: "/out", path: "out/x", matches: true),
        Case(glob: "out/**", path: "out/a/b.bin", matches: true),
        Case(glob: "out/**", path: "output/x", matches: false),
        Case(glob: "out", path: "output", matches: false),
        Case(glob: "out/", path: "out", matches: false),
        Case(glob: "out", path: "out", matches: true),
        Case(glob: "runs/*/best.ckpt", path: "runs/7/best.ckpt", matches: true),
        Case(glob: "runs/**/best.ckpt", path: "runs/best.ckpt", matches: true),
        Case(glob: "runs/**/best.ckpt", path: "runs/a/b/best.ckpt", matches: true),
        Case(glob: "ckpt-?.pt", path: "ckpt-3.pt", matches: true),
        Case(glob: "ckpt-?.pt", path: "ckpt-10.pt", matches: false),
        Case(glob: "ckpt-[0-4].pt", path: "ckpt-3.pt", matches: true),
        Case(glob: "ckpt-[!0-4].pt", path: "ckpt-3.pt", matches: false),
        Case(glob: "m*", path: "metrics/x.json", matches: true),
        Case(glob: "**", path: "any/thing", matches: true),
        Case(glob: ".", path: "any/thing", matches: true),
        Case(glob: "a\\*b", path: "a*b", matches: true),
        Case(glob: "a\\*b", path: "axb", matches: false),
    ]

    @Test(arguments: cases)
    func matching(_ testCase: Case) throws {
        #expect(try GlobPattern(testCase.glob).matches(testCase.path) == testCase.matches)
    }

    @Test(arguments: ["", "  ", "../x", "out/../../x", "[abc", "a[[:nope:]]", "x\\"])
    func invalidGlobsAreRejectedWithAReason(_ glob: String) {
        #expect(throws: SyncError.self) { try GlobPattern(glob) }
        do {
            _ = try GlobPattern(glob)
        } catch {
            #expect("\(error)".contains("ame.yaml"))
        }
    }

    @Test func prunesDirectoriesThatCannotHoldAMatch() throws {
        let glob = try GlobPattern("out/models/*.pt")
        #expect(glob.mayMatch(inDirectory: "out"))
        #expect(glob.mayMatch(inDirectory: "out/models"))
        #expect(glob.mayMatch(inDirectory: "out/models/deeper"))
        #expect(!glob.mayMatch(inDirectory: "data"))
        #expect(!glob.mayMatch(inDirectory: "out/logs"))
        #expect(try GlobPattern("**/*.pt").mayMatch(inDirectory: "anything/at/all"))
        #expect(try GlobPattern("o*/x").mayMatch(inDirectory: "data"))
    }
}
