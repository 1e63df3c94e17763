import AMECore
import Foundation
import Testing

/// Every file in `Fixtures/malformed` fails with exactly the diagnostics in its
/// `.expected` file: same count, same positions, same messages and hints.
///
/// To regenerate the expectations after a deliberate change to the messages, run the
/// tests with `AME_UPDATE_EXPECTED=1` and review the diff of every `.expected` file.
@Suite("Malformed project files")
struct MalformedCorpusTests {
    static let cases = FixtureFiles.names(in: "malformed", withExtension: "yaml")
    static let updating = ProcessInfo.processInfo.environment["AME_UPDATE_EXPECTED"] != nil

    @Test("the corpus holds at least 30 malformed files, each with its expectation")
    func corpusIsComplete() {
        #expect(Self.cases.count >= 30)
        let expectations = Set(FixtureFiles.names(in: "malformed", withExtension: "expected"))
        for name in Self.cases {
            let expected = name.replacingOccurrences(of: ".yaml", with: ".expected")
            #expect(expectations.contains(expected) || Self.updating, "\(name) has no \(expected)")
        }
        // No stale expectations without a project file.
        for expected in expectations {
            #expect(Self.cases.contains(expected.replacingOccurrences(of: ".expected", with: ".yaml")), "\(expected) has no .yaml")
        }
    }

    @Test("reports exactly the expected diagnostics", arguments: cases)
    func reportsExpectedDiagnostics(_ name: String) throws {
        let source = try FixtureFiles.text("malformed/\(name)")
        let result = ProjectFileDecoder(source: source, file: "ame.yaml").decode()
        let actual = result.errors.map(ExpectedDiagnostic.init)
        let expectedName = name.replacingOccurrences(of: ".yaml", with: ".expected")

        if Self.updating {
            let target = FixtureFiles.sourceDirectory.appendingPathComponent("malformed/\(expectedName)")
            try Data(ExpectedDiagnostic.render(actual).utf8).write(to: target)
        }

        #expect(!result.isValid, "\(name) should be invalid")
        #expect(!actual.isEmpty, "\(name) should have at least one error")
        let expected = try ExpectedDiagnostic.parse(FixtureFiles.text("malformed/\(expectedName)"))
        #expect(actual.count == expected.count, "\(name): \(actual.count) errors, expected \(expected.count)")
        #expect(actual == expected, "\(name) reported:\n\(ExpectedDiagnostic.render(actual))")
        // Every error points inside the file.
        let lineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
        for diagnostic in result.errors {
            #expect(diagnostic.line >= 1 && diagnostic.line <= max(1, lineCount), "\(name): \(diagnostic)")
            #expect(diagnostic.column >= 1, "\(name): \(diagnostic)")
            #expect(diagnostic.file == "ame.yaml")
        }
    }
}
