import Foundation

/// What one sandboxed command sees of this machine beyond the system: decided by the
/// engine (the coordinator for a step, the builder for an environment), applied by `Sandbox`.
public struct SandboxView: Sendable, Equatable {
    public struct Mount: Sendable, Equatable {
        /// The host path.
        public var source: String
        /// Where the command sees it.
        public var target: String

        public init(source: String, target: String) {
            self.source = source
            self.target = target
        }

        /// The same path inside as outside.
        public init(_ path: String) {
            self.init(source: path, target: path)
        }
    }

    /// The user the command runs as, when the sandbox is started as root.
    public struct User: Sendable, Equatable {
        public var name: String
        public var uid: UInt32
        public var gid: UInt32
        /// `/etc/passwd` and `/etc/group` with this user in them, so that `whoami`, git and
        /// Python's `getpass` know it.
        public var passwdFile: String?
        public var groupFile: String?
    }

    /// Seen read-only at the same path (an interpreter, a built environment).
    public var readOnly: [String] = []
    /// Seen read-write (the workspace; for a build, the environment being built).
    public var readWrite: [Mount] = []
    /// The host folder that is the command's `/tmp` (and `/var/tmp`).
    public var temporaryDirectory: String?
    /// A private home folder, seen where `HOME` says.
    public var home: Mount?
    public var user: User?
    public var workingDirectory: String?
    /// RLIMIT_NPROC inside the sandbox: processes and threads, this sandbox's only.
    public var maxProcesses: Int?
    /// RLIMIT_FSIZE: no single file may grow past this.
    public var maxFileSize: Int64?
    /// Device nodes passed through (the GPUs a step was given).
    public var devices: [String] = []

    public init() {}
}
