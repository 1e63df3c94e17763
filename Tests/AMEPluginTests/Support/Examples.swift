import AMETestSupport
import Foundation
import Testing

/// The three example plugins, ready to run: the Swift one from the build folder, the
/// Python one from the repository, the C one compiled once per test run with libjansson.
enum Examples {
    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        var language: String
        var path: String
        var testDescription: String { language }
    }

    static let swift = Example(name: "hello", language: "Swift", path: Fixtures.productsDirectory.appendingPathComponent("ame-hello").path)
    static let python = Example(name: "hello-python", language: "Python",
                                path: Fixtures.repositoryRoot.appendingPathComponent("plugins/examples/python/ame-hello-python").path)
    static var c: Example { Example(name: "hello-c", language: "C", path: compiledC) }

    static var all: [Example] { [swift, python, c] }

    /// `cc … -ljansson` into a private folder (0755, so discovery accepts it).
    static let compiledC: String = {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ame-c-example-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let output = folder.appendingPathComponent("ame-hello-c").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-Wall", "-O2", "-o", output,
                             Fixtures.repositoryRoot.appendingPathComponent("plugins/examples/c/ame-hello-c.c").path, "-ljansson"]
        try? process.run()
        process.waitUntilExit()
        return output
    }()
}
