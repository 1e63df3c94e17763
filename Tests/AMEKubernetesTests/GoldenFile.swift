import Foundation
import Testing

/// Expected output kept beside the tests (`Golden/NAME`). `AME_UPDATE_GOLDEN=1` rewrites
/// the files instead of comparing, for a change that is meant.
enum GoldenFile {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ actual: String, against name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["AME_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("no golden file \(name); run with AME_UPDATE_GOLDEN=1 to write it", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = Array(zip(expectedLines, actualLines)).firstIndex { $0.0 != $0.1 } ?? min(expectedLines.count, actualLines.count)
            Issue.record("""
                \(name) differs from the translation, first at line \(first + 1):
                  golden: \(first < expectedLines.count ? expectedLines[first] : "<end>")
                  actual: \(first < actualLines.count ? actualLines[first] : "<end>")
                (AME_UPDATE_GOLDEN=1 rewrites it if the change is meant)
                """, sourceLocation: sourceLocation)
        }
    }
}
