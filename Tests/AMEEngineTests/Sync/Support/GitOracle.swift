import Foundation

/// Asks the real `git` which paths it ignores, so ignore rules are checked against the
/// reference implementation rather than against our reading of its documentation.
enum GitOracle {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Among `paths` (relative to `root`, all existing), those `git check-ignore` reports as
    /// ignored. Initializes a repository at `root` when there is none.
    static func ignoredPaths(in root: URL, paths: [String]) throws -> Set<String> {
        if !FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) {
            _ = try run(["init", "-q", "."], in: root, input: Data())
        }
        var input = Data()
        for path in paths {
            input.append(contentsOf: path.utf8)
            input.append(0)
        }
        let output = try run(["check-ignore", "--no-index", "--stdin", "-z"], in: root, input: input, acceptedStatuses: [0, 1])
        return Set(output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
    }

    /// Runs git with no user or system configuration, so a developer's global excludes file
    /// cannot change the answers. Input and output go through files: no pipe can fill up.
    private static func run(_ arguments: [String], in directory: URL, input: Data, acceptedStatuses: Set<Int32> = [0]) throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ame-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = scratch.appendingPathComponent("in")
        let outputFile = scratch.appendingPathComponent("out")
        let errorFile = scratch.appendingPathComponent("err")
        try input.write(to: inputFile)
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "core.excludesFile=/dev/null", "-c", "core.ignoreCase=false"] + arguments
        process.currentDirectoryURL = directory
        process.environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch.path, "XDG_CONFIG_HOME": scratch.path,
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C",
        ]
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        process.waitUntilExit()
        guard acceptedStatuses.contains(process.terminationStatus) else {
            let error = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw Failure(description: "git \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(error)")
        }
        return try Data(contentsOf: outputFile)
    }
}
