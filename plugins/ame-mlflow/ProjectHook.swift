import AMEPluginKit
import Foundation

/// The project's MLflow hook: `.ame/hooks/mlflow.json` (the env every run gets and the
/// wrapper that records each step; see docs/run-hooks.md) and the wrapper itself,
/// `.ame/hooks/ame_mlflow_run.py`. They travel with the project's upload.
struct ProjectHook {
    static let hookPath = ".ame/hooks/mlflow.json"
    static let wrapperPath = ".ame/hooks/ame_mlflow_run.py"

    let projectDirectory: URL

    var hookFile: URL { projectDirectory.appendingPathComponent(Self.hookPath) }
    var wrapperFile: URL { projectDirectory.appendingPathComponent(Self.wrapperPath) }

    /// The experiment and tracking URI of an enabled project, nil when not enabled.
    func current() -> (experiment: String, trackingURI: String)? {
        guard let data = FileManager.default.contents(atPath: hookFile.path),
              let hook = try? JSONParser.parse(data),
              let experiment = hook["env"]?["MLFLOW_EXPERIMENT_NAME"]?.stringValue,
              let uri = hook["env"]?["MLFLOW_TRACKING_URI"]?.stringValue else { return nil }
        return (experiment, uri)
    }

    func write(trackingURI: String, experiment: String) throws {
        let hooks = hookFile.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: hooks, withIntermediateDirectories: true)
        let hook: JSONValue = .object([
            "description": .string("MLflow tracking, written by 'ame mlflow enable'; remove with 'ame mlflow disable'"),
            "env": .object([
                "MLFLOW_TRACKING_URI": .string(trackingURI),
                "MLFLOW_EXPERIMENT_NAME": .string(experiment),
            ]),
            "wrap": .array([.string("python3"), .string(Self.wrapperPath)]),
        ])
        try Data(PackageResources.ame_mlflow_run_py).write(to: wrapperFile, options: .atomic)
        try Data(JSONWriter.write(hook) + [0x0A]).write(to: hookFile, options: .atomic)
    }

    /// Removes both files; false when there was nothing to remove.
    func remove() throws -> Bool {
        var removed = false
        for file in [hookFile, wrapperFile] where FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.removeItem(at: file)
            removed = true
        }
        // Leave no empty .ame/hooks behind.
        let hooks = hookFile.deletingLastPathComponent()
        if (try? FileManager.default.contentsOfDirectory(atPath: hooks.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: hooks)
        }
        return removed
    }

    /// The project directory from AME's answer to `project.get`.
    static func locate(host: AMEHost) async throws -> (ProjectHook, projectName: String) {
        let project = try await host.project()
        guard let directory = project["directory"]?.stringValue, let name = project["projectName"]?.stringValue else {
            throw PluginFailure("AME did not say where the project is")
        }
        return (ProjectHook(projectDirectory: URL(fileURLWithPath: directory)), name)
    }
}
