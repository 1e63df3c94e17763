import Foundation

/// What this machine remembers about the MLflow server it started: which run serves it,
/// on which port, with which store. Kept after `stop`, so the next `start` reuses the
/// port (enabled projects keep working) and the store (the runs are still there).
struct ServerState: Codable, Sendable, Equatable {
    /// The service run serving MLflow now; nil once stopped.
    var runId: String?
    /// The port MLflow listens on, on the engine's machine.
    var port: Int
    /// `embedded` or the AME server's URL the run went to.
    var server: String
    /// The store as given to `start` (`sqlite` or a URI).
    var backendStore: String
    /// Where artifacts go (a path or URI on the engine's machine); nil: the default.
    var artifactsDestination: String?
    /// The `mlflow` executable given with --mlflow; empty (or, from older versions, a bare
    /// name) for MLflow installed by AME.
    var mlflow: String
    var startedAt: Date

    /// The tracking URI steps on the engine's machine use.
    var trackingURI: String { "http://127.0.0.1:\(port)" }
}
