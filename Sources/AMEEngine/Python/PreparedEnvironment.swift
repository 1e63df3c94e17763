import Foundation

/// A built Python environment, ready for a command to run in.
public struct PreparedEnvironment: Hashable, Sendable {
    /// The environment's folder (a venv or a conda prefix).
    public var directory: URL
    /// Its `bin`: `python`, `pip` and console scripts such as `jupyter`.
    public var binDirectory: URL
    /// Variables to set for the run: `VIRTUAL_ENV` (or `CONDA_PREFIX`), `PATH` with
    /// `binDirectory` first (before the builder's `PATH`), `PYTHONNOUSERSITE=1` so
    /// `~/.local` packages cannot shadow the environment's.
    public var environment: [String: String]
    /// True when an earlier build was used as is (nothing was installed this time).
    public var reused: Bool
    /// One line for the run's log, e.g. "uv environment (from uv.lock) with Python 3.11.7, reused".
    public var description: String

    public init(directory: URL, binDirectory: URL, environment: [String: String], reused: Bool, description: String) {
        self.directory = directory
        self.binDirectory = binDirectory
        self.environment = environment
        self.reused = reused
        self.description = description
    }

    /// Variables that would point Python somewhere else and are removed for the run.
    public static let clearedVariables = ["PYTHONHOME", "PYTHONPATH", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__"]

    /// `base` (the run's own environment) with this environment applied: `binDirectory`
    /// first on `base`'s `PATH`, the other variables set, and `clearedVariables` removed.
    /// A run's `PYTHONPATH` from `ame.yaml` should be applied after this.
    public func applied(to base: [String: String]) -> [String: String] {
        var result = base
        for name in Self.clearedVariables { result[name] = nil }
        for (name, value) in environment where name != "PATH" { result[name] = value }
        if environment["CONDA_PREFIX"] == nil { result["CONDA_PREFIX"] = nil }
        if environment["VIRTUAL_ENV"] == nil { result["VIRTUAL_ENV"] = nil }
        let rest = (base["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
            .filter { $0 != binDirectory.path }
        result["PATH"] = ([binDirectory.path] + rest).joined(separator: ":")
        return result
    }
}
