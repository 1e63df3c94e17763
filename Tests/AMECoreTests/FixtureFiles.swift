import AMECore
import Foundation

/// The fixture files copied into the test bundle (`Fixtures/`), and the same folder in the
/// source tree for regenerating expectations.
enum FixtureFiles {
    static let directory: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the Fixtures folder is missing from the test bundle")
        }
        return url
    }()

    /// `Tests/AMECoreTests/Fixtures` in the checkout, written to when regenerating.
    static let sourceDirectory: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    /// File names in a fixture folder with the given extension, sorted.
    static func names(in folder: String, withExtension ext: String) -> [String] {
        let folderURL = directory.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folderURL.path)) ?? []
        return names.filter { $0.hasSuffix(".\(ext)") }.sorted()
    }

    /// The valid project files: the reference examples that parse, plus the extra ones.
    static var validProjectFiles: [String] {
        ["reference/single-task.yaml", "reference/pipeline-fixed.yaml", "reference/recurring.yaml"]
            + names(in: "valid", withExtension: "yaml").map { "valid/\($0)" }
    }
}

/// One expected diagnostic: `LINE:COLUMN: MESSAGE`, optionally followed by `  hint: HINT`.
struct ExpectedDiagnostic: Hashable, CustomStringConvertible {
    var line: Int
    var column: Int
    var message: String
    var hint: String?

    init(line: Int, column: Int, message: String, hint: String?) {
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    init(_ diagnostic: Diagnostic) {
        self.init(line: diagnostic.line, column: diagnostic.column, message: diagnostic.message, hint: diagnostic.hint)
    }

    var description: String {
        var text = "\(line):\(column): \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses an `.expected` file; blank lines and lines starting with `#` are ignored.
    static func parse(_ text: String) throws -> [ExpectedDiagnostic] {
        var result: [ExpectedDiagnostic] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("  hint: ") {
                guard !result.isEmpty, result[result.count - 1].hint == nil else {
                    throw FormatError(description: "a hint line with no diagnostic before it: \(line)")
                }
                result[result.count - 1].hint = String(line.dropFirst("  hint: ".count))
                continue
            }
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let lineNumber = Int(parts[0]), let column = Int(parts[1]), parts[2].hasPrefix(" ") else {
                throw FormatError(description: "not 'LINE:COLUMN: MESSAGE': \(line)")
            }
            result.append(ExpectedDiagnostic(line: lineNumber, column: column, message: String(parts[2].dropFirst()), hint: nil))
        }
        return result
    }

    static func render(_ diagnostics: [ExpectedDiagnostic]) -> String {
        diagnostics.map(\.description).joined(separator: "\n") + "\n"
    }
}
