import Foundation

/// Paths into the repository and its build products, found from this source file.
public enum Fixtures {
    /// The repository root.
    public static let repositoryRoot: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    /// The folder holding the built products of this test run (`.build/debug`).
    public static let productsDirectory: URL = {
        // The test bundle's executable sits in the products directory.
        if let override = ProcessInfo.processInfo.environment["AME_PRODUCTS_DIR"] {
            return URL(fileURLWithPath: override)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("ame").path) { return directory }
            directory = directory.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    /// The `ame` executable built alongside the tests.
    public static var ameBinary: URL { productsDirectory.appendingPathComponent("ame") }

    public static func example(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("examples").appendingPathComponent(name)
    }
}
