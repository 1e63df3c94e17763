import AMECore
import AMETestSupport
import Foundation
import Testing

/// What a test needs around `CLIHarness`: a project directory and ways to look at files.
struct Project {
    let directory: TemporaryDirectory

    init(_ ameYAML: String? = nil) throws {
        directory = try TemporaryDirectory(prefix: "ame-cli")
        if let ameYAML { try directory.write("ame.yaml", ameYAML) }
    }

    var url: URL { directory.url }

    func run(_ arguments: [String], terminal: TestTerminal = TestTerminal()) async -> CLIResult {
        await CLIHarness.run(arguments, in: url, terminal: terminal)
    }

    func ameYAML() throws -> String { try directory.read("ame.yaml") }

    func bytes(_ path: String = "ame.yaml") throws -> Data { try Data(contentsOf: directory.file(path)) }

    func parsed() throws -> ProjectFile { try ProjectFile.parse(ameYAML()) }
}

/// `after` is `before` with one block of whole lines inserted and nothing else changed:
/// returns the index of the first inserted line and the block, or nil.
func insertedBlock(before: String, after: String) -> (index: Int, lines: [String])? {
    let old = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let new = after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard new.count > old.count else { return nil }
    var prefix = 0
    while prefix < old.count && old[prefix] == new[prefix] { prefix += 1 }
    let inserted = new.count - old.count
    guard Array(new[(prefix + inserted)...]) == Array(old[prefix...]) else { return nil }
    return (prefix, Array(new[prefix..<(prefix + inserted)]))
}

/// Parses `--json` output as a JSON object.
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text)")
}
