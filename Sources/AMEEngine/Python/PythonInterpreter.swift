import Foundation

/// A real Python interpreter on this machine: an executable (never a pyenv shim, whose
/// wrapper process would stand between AME and the work) and the version it reported.
public struct PythonInterpreter: Hashable, Sendable, CustomStringConvertible {
    /// Absolute path with symlinks resolved, e.g. `/root/.pyenv/versions/3.11.7/bin/python3.11`.
    public var path: String
    /// The release it reported when run, e.g. "3.11.7".
    public var version: String

    public init(path: String, version: String) {
        self.path = path
        self.version = version
    }

    /// The version as a comparable number; nil only for a hand-made value with a bad version.
    public var release: PythonVersion? { PythonVersion(version) }

    public var description: String { "Python \(version) (\(path))" }
}
