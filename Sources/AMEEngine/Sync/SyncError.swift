/// Why a project or workspace could not be scanned. Paths are relative to the scanned
/// directory, so the user can find the file in their project.
public enum SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file (or ignore file) exists but cannot be read.
    case cannotRead(path: String, reason: String)
    /// A directory exists but cannot be listed.
    case cannotList(path: String, reason: String)
    /// The directory to scan is missing or is not a directory.
    case notADirectory(path: String, reason: String)
    /// An `artifacts` glob that can never match, or that leaves the project.
    case invalidGlob(glob: String, reason: String)
    /// A file was read but the engine could not store it.
    case cannotStore(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "cannot read '\(path)': \(reason). Make it readable (chmod u+r '\(path)') or add it to .ameignore."
        case let .cannotList(path, reason):
            return "cannot list the directory '\(path)': \(reason). Make it readable (chmod u+rx '\(path)') or add '\(path)/' to .ameignore."
        case let .notADirectory(path, reason):
            return "cannot scan '\(path)': \(reason). Run AME from the project directory (the one holding ame.yaml)."
        case let .invalidGlob(glob, reason):
            return "the artifacts glob '\(glob)' \(reason). Fix it under 'artifacts' in ame.yaml."
        case let .cannotStore(path, reason):
            return "cannot store '\(path)': \(reason). Free some disk space where AME keeps its data, or add '\(path)' to .ameignore."
        }
    }
}
