import AMESystem
import AMETestSupport
import Foundation

/// The real MLflow (PyPI, pinned in scripts/requirements/mlflow.txt) in a venv under
/// .build/venvs, made by scripts/mlflow-venv: scripts/test passes its path in
/// AME_TEST_MLFLOW_VENV; run alone, the test makes (or finds) it itself.
enum MLflowSetup {
    /// The pin of the MLflow client the project's own environment gets (mlflow-skinny:
    /// the client without the server), the same version as the server.
    static let clientRequirement = "mlflow-skinny==3.17.2"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func venv() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["AME_TEST_MLFLOW_VENV"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/mlflow-venv")
        let process = Process()
        process.executableURL = script
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "scripts/mlflow-venv failed (\(process.terminationStatus))") }
        return URL(fileURLWithPath: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func mlflowExecutable() throws -> String {
        let path = try venv().appendingPathComponent("bin/mlflow").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Failure(description: "\(path) is missing") }
        return path
    }
}
