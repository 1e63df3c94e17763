import AMETestSupport
import Foundation
import Testing

/// The architecture map in CONTRIBUTING.md ("Architecture": module → what it may import)
/// is the rule: every `import` in `Sources/` and `plugins/` must be in its module's row.
@Suite struct ImportRuleTests {
    /// Imported by any module: the platform's own libraries.
    static let platform: Set<String> = ["Foundation", "Dispatch", "Glibc", "Musl", "Darwin"]

    /// The rows of the table: module (or `plugins/*`) → what it may import.
    static func rules() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("CONTRIBUTING.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Architecture").dropFirst().first, "CONTRIBUTING.md has no '## Architecture' section")
        var rules: [String: Set<String>] = [:]
        for line in section.split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let module = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            rules[module] = Set(backticked(cells[cells.count - 2]))
        }
        return rules
    }

    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// `import X`, `@testable import X`, `public import X`, `import struct X.Y`: X.
    static func imported(in source: String) -> [(line: Int, module: String)] {
        let pattern = try! NSRegularExpression(pattern: #"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public\s+|internal\s+|package\s+|private\s+|fileprivate\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)"#)
        return source.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let text = String(line)
            guard let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(at: 1), in: text) else { return nil }
            return (index + 1, String(text[range]))
        }
    }

    static func swiftFiles(under directory: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    @Test("every import in Sources/ and plugins/ is allowed by its module's row of CONTRIBUTING.md's table")
    func importsFollowTheTable() throws {
        let rules = try Self.rules()
        let root = Fixtures.repositoryRoot
        var checked: [(file: URL, rule: String)] = []
        let modules = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Sources").path).sorted()
        for module in modules {
            let files = Self.swiftFiles(under: root.appendingPathComponent("Sources/\(module)"))
            guard !files.isEmpty else { continue }
            #expect(rules[module] != nil, "Sources/\(module) has no row in CONTRIBUTING.md's architecture table")
            checked += files.map { ($0, module) }
        }
        checked += Self.swiftFiles(under: root.appendingPathComponent("plugins")).map { ($0, "plugins/*") }
        #expect(rules["plugins/*"] != nil, "the table has no row for plugins/*")
        #expect(checked.count > 400, "found only \(checked.count) Swift files")

        var violations: [String] = []
        for (file, rule) in checked {
            guard let allowed = rules[rule] else { continue }
            let source = try String(contentsOf: file, encoding: .utf8)
            for (line, module) in Self.imported(in: source) where !allowed.contains(module) && !Self.platform.contains(module) {
                let path = file.path.replacingOccurrences(of: root.path + "/", with: "")
                violations.append("\(path):\(line): imports \(module), which the row of \(rule) does not allow")
            }
        }
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test("the rule reads every form of import, and the table's rows")
    func parsing() throws {
        let found = Self.imported(in: "import A\n@testable import B\npublic import C\nimport struct D.E\n#if canImport(F)\nimport F\n#endif\n// import G\nlet imported = 1\n")
        #expect(found.map(\.module) == ["A", "B", "C", "D", "F"])
        #expect(found.map(\.line) == [1, 2, 3, 4, 6])
        let rules = try Self.rules()
        #expect(rules["AMECore"] == ["Yams"])
        #expect(rules["AMEEngine"]?.contains("AsyncHTTPClient") == false, "the engine never imports HTTP")
    }
}
