import AMETestSupport
import Foundation
import Testing

/// A sandboxed `ame` whose buildah uses the tests' own storage, in a project with three
/// tasks (one a pipeline), Python dependencies in requirements.txt, and comments that an
/// edit of `image:` must leave alone.
struct ImageTestbed {
    let sandbox: AMESandbox
    let project: URL
    let buildah: BuildahTestEnvironment

    static let projectFile = """
        # The image demo project.
        projectname: imagedemo
        tasks:
          train:
            runcommand: python train.py   # the main job
            resources: {cpu: 1, memory: 1Gi}
          evaluate:
            runcommand: python evaluate.py
            image: python:3.11-slim
          main:
            pipeline:
              prepare: {runcommand: python prepare.py}
              fit:
                runcommand: python train.py
        recurring_tasks:
          nightly:
            taskref: main
            schedule: 0 3 * * *

        """

    init(files: [String: String] = [:]) async throws {
        buildah = try await BuildahTestEnvironment.shared()
        sandbox = try AMESandbox(.embedded)
        sandbox.setEnvironment("CONTAINERS_STORAGE_CONF", buildah.storageConfig.path)
        var all: [String: String] = [
            "ame.yaml": Self.projectFile,
            "requirements.txt": "numpy==1.26.4\nscikit-learn==1.4.2\n",
            "train.py": "print('training')\n",
        ]
        all.merge(files) { _, new in new }
        project = try sandbox.project(all)
    }

    @discardableResult
    func ame(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        for (key, value) in environment { sandbox.setEnvironment(key, value) }
        return try await sandbox.ame(arguments, in: project)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOf: project.appendingPathComponent(path), encoding: .utf8)
    }

    func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: project.appendingPathComponent(path))
    }

    /// `Containerfile` with `line` inserted before the project's code is copied in (as a user
    /// would add a step of their own).
    func addStep(_ line: String) throws {
        let text = try read("Containerfile")
        let marker = "# The project's code last"
        guard let range = text.range(of: marker) else {
            Issue.record("the Containerfile has no '\(marker)' line:\n\(text)")
            return
        }
        try write("Containerfile", text.replacingCharacters(in: range, with: "\(line)\n\n\(marker)"))
    }
}

/// Lines only in `after`, and lines only in `before`, ignoring order (for "only this changed").
func lineDifference(_ before: String, _ after: String) -> (added: [String], removed: [String]) {
    var remaining = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var added: [String] = []
    for line in after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if let index = remaining.firstIndex(of: line) { remaining.remove(at: index) } else { added.append(line) }
    }
    return (added, remaining)
}
