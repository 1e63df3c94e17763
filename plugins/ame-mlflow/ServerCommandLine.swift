import Foundation

/// The shell command of the service run: `mlflow server` on the run's port, with its store
/// in a folder that outlives the run (the run's own workspace is deleted when it ends).
enum ServerCommandLine {
    /// The run's task name when the project has no task of that name.
    static let taskName = "mlflow"
    static let labels = ["service": "mlflow"]
    /// What `start` installs when no --mlflow is given (the same pin as the tests'
    /// scripts/requirements/mlflow.txt; the full package: mlflow-skinny has no server).
    static let mlflowRequirement = "mlflow==3.17.2"

    /// `storeHome`: an absolute folder for the default store and artifacts; nil means the
    /// engine machine's `${XDG_DATA_HOME:-$HOME/.local/share}/ame/plugin-data/mlflow/store`,
    /// resolved there by the run's shell (for a remote AME server).
    static func command(mlflow: String, backendStore: String, artifactsDestination: String?, storeHome: String?) -> String {
        let home = storeHome.map(quoted) ?? #""${XDG_DATA_HOME:-$HOME/.local/share}/ame/plugin-data/mlflow/store""#
        let backend = backendStore == "sqlite" ? #""sqlite:///$store/mlflow.db""# : quoted(backendStore)
        let artifacts = artifactsDestination.map(quoted) ?? #""$store/artifacts""#
        let executable = quoted(mlflow)
        return [
            "store=\(home)",
            #"mkdir -p "$store/artifacts" || exit 1"#,
            "command -v \(executable) >/dev/null 2>&1 || { echo \"ame-mlflow: cannot find \(mlflow.replacingOccurrences(of: "\"", with: "")) on this machine; give another with 'ame mlflow start --mlflow PATH', or leave --mlflow out to have AME install MLflow\" >&2; exit 127; }",
            // One worker: a tracking server for a team, not a load test; memory matters more.
            "exec \(executable) server --host 127.0.0.1 --port \"$AME_PORT\" --workers 1"
                + " --backend-store-uri \(backend) --serve-artifacts --artifacts-destination \(artifacts)",
        ].joined(separator: "\n")
    }

    /// `sqlite`, or a URI with a scheme (`sqlite:////data/mlflow.db`, `postgresql://…`).
    static func checkBackendStore(_ value: String) -> String? {
        if value == "sqlite" { return nil }
        if let colon = value.firstIndex(of: ":"), colon != value.startIndex,
           value[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) {
            return nil
        }
        return "--backend-store takes 'sqlite' (a database in AME's data folder) or a URI such as sqlite:////srv/mlflow.db or postgresql://host/db"
    }

    static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
