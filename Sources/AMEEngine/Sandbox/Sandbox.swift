import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs commands inside bubblewrap (`bwrap`, the sandbox Flatpak uses): own mount, PID, IPC,
/// UTS and cgroup namespaces; the system read-only; the paths a `SandboxView` names and
/// nothing else of this machine's files (not the data directory, not the server's home or
/// config, not other runs' workspaces, not other processes: `/proc` is the sandbox's own);
/// a private `/tmp` and home; and everything the command started ends when it ends.
///
/// Started by root (a server run as root), bwrap builds the sandbox with root's reach and
/// `ame __sandbox-exec` then drops to the run's own unprivileged user (one uid per AME user,
/// see `SandboxUsers`) before the command starts. Started by anyone else, bwrap builds the
/// sandbox in a user namespace and the command runs as that user, unable to reach anything
/// the sandbox does not show. Either way a process limit is set inside, where it counts
/// the sandbox's own processes only.
public struct Sandbox: Sendable {
    /// The `bwrap` executable.
    public var bubblewrap: String
    /// The `ame` binary whose `__sandbox-exec` is the sandbox's first process.
    public var entryExecutable: String
    /// Whether bwrap starts as root, so that the command must be handed to the run's user.
    public var startsAsRoot: Bool
    /// Paths no sandbox may see even where they lie inside a tree it sees read-only: the
    /// data and cache directories, the server's config file.
    public var hiddenPaths: [String]

    public init(bubblewrap: String, entryExecutable: String, startsAsRoot: Bool = geteuid() == 0, hiddenPaths: [String]) {
        self.bubblewrap = bubblewrap
        self.entryExecutable = entryExecutable
        self.startsAsRoot = startsAsRoot
        self.hiddenPaths = hiddenPaths.map { ($0 as NSString).standardizingPath }
    }

    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The sandbox of this machine: `bwrap` from `PATH` (or `AME_BWRAP`), entered through
    /// this process's own `ame` binary.
    public static func locate(environment: [String: String], entryExecutable: String, hiddenPaths: [String]) throws(Unavailable) -> Sandbox {
        let candidate = environment["AME_BWRAP"].flatMap { $0.isEmpty ? nil : $0 } ?? "bwrap"
        guard let bubblewrap = ExecutableLookup.find(candidate, path: environment["PATH"] ?? "/usr/bin:/bin") else {
            throw Unavailable(description: "bubblewrap ('\(candidate)') is not installed on this machine (Debian and Ubuntu: apt-get install bubblewrap)")
        }
        return Sandbox(bubblewrap: bubblewrap, entryExecutable: entryExecutable, hiddenPaths: hiddenPaths)
    }

    /// Folders of the system every sandbox sees read-only (those that exist; a symlink such
    /// as `/bin → usr/bin` is recreated as the same symlink).
    static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/sys", "/nix"]

    /// A sandbox and what one command sees in it.
    public struct Placement: Sendable {
        public var sandbox: Sandbox
        public var view: SandboxView

        public init(sandbox: Sandbox, view: SandboxView) {
            self.sandbox = sandbox
            self.view = view
        }

        public func configuration(running command: [String], environment: [String: String]) -> ChildProcess.Configuration {
            sandbox.configuration(running: command, environment: environment, in: view)
        }

        /// The host folders the command can fill: what `storage` limits.
        public var writablePaths: [String] {
            view.readWrite.map(\.source) + [view.temporaryDirectory, view.home?.source].compactMap { $0 }
        }
    }

    /// The process that runs `command` inside the sandbox `view` describes.
    public func configuration(running command: [String], environment: [String: String], in view: SandboxView) -> ChildProcess.Configuration {
        var environment = environment
        if let home = view.home { environment["HOME"] = home.target }
        if let user = view.user {
            environment["USER"] = user.name
            environment["LOGNAME"] = user.name
        }
        environment["TMPDIR"] = "/tmp"
        prepareMountPoints(for: view)
        let entry = SandboxEntry.arguments(uid: startsAsRoot ? view.user?.uid : nil, gid: startsAsRoot ? view.user?.gid : nil,
                                           maxProcesses: view.maxProcesses, maxFileSize: view.maxFileSize, command: command)
        let arguments = bubblewrapArguments(for: view) + ["--", entryExecutable] + entry
        return ChildProcess.Configuration(executable: bubblewrap, arguments: arguments, environment: environment,
                                          workingDirectory: view.workingDirectory)
    }

    func bubblewrapArguments(for view: SandboxView) -> [String] {
        var arguments = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if startsAsRoot {
            // Only what `__sandbox-exec` needs to hand the command to the run's user; it has
            // none left once it has.
            arguments += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        } else {
            arguments += ["--unshare-user"]
        }
        let manager = FileManager.default
        for path in Self.systemPaths {
            if let destination = try? manager.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", destination, path]
            } else if manager.fileExists(atPath: path) {
                arguments += ["--ro-bind", path, path]
            }
        }
        arguments += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm", "--tmpfs", "/run"]
        // A resolv.conf that is a link into /run (systemd-resolved) still resolves.
        if let resolver = realpath("/etc/resolv.conf", nil) {
            let target = String(cString: resolver)
            free(resolver)
            if target != "/etc/resolv.conf", !target.hasPrefix("/etc/") { arguments += ["--ro-bind", target, target] }
        }
        arguments += masks(within: Self.systemPaths)
        // Folders on the way to what is shown, open to pass through (bubblewrap would make
        // them root's alone, out of the run's user's reach).
        for folder in passageFolders(for: view) { arguments += ["--perms", "0755", "--dir", folder] }
        // The run's own /tmp and home, then what it may read: the interpreter, the environment.
        if let tmp = view.temporaryDirectory {
            arguments += ["--bind", tmp, "/tmp", "--bind", tmp, "/var/tmp"]
        }
        if let home = view.home {
            arguments += ["--bind", home.source, home.target]
        }
        if let user = view.user {
            if let passwd = user.passwdFile { arguments += ["--ro-bind", passwd, "/etc/passwd"] }
            if let group = user.groupFile { arguments += ["--ro-bind", group, "/etc/group"] }
        }
        // Each folder once: not one inside another that is shown already (pyenv's shims inside
        // its root), nor one inside the system's. Every mount is time at every start.
        let readOnly = Array(Set(view.readOnly)).sorted()
        for path in readOnly where manager.fileExists(atPath: path)
            && !readOnly.contains(where: { $0 != path && Self.isWithin(path, $0) })
            && !Self.systemPaths.contains(where: { Self.isWithin(path, $0) }) {
            arguments += ["--ro-bind", path, path]
        }
        if !Self.systemPaths.contains(where: { Self.isWithin(entryExecutable, $0) }) {
            arguments += ["--ro-bind", entryExecutable, entryExecutable]
        }
        arguments += masks(within: view.readOnly)
        // Last, what it may write: its workspace (and, for a build, the environment).
        for mount in view.readWrite {
            arguments += ["--bind", mount.source, mount.target]
        }
        for device in view.devices where manager.fileExists(atPath: device) {
            arguments += ["--dev-bind", device, device]
        }
        if let directory = view.workingDirectory { arguments += ["--chdir", directory] }
        return arguments
    }

    /// The folders above shown paths that exist in no shown tree (`/root` above `/root/.pyenv`,
    /// say), parents first.
    func passageFolders(for view: SandboxView) -> [String] {
        let targets = view.readOnly + view.readWrite.map(\.target) + [view.home?.target, entryExecutable].compactMap { $0 }
        let privateRoots = ["/tmp", "/var/tmp"] + (view.home.map { [$0.target] } ?? [])
        func covered(_ folder: String) -> Bool {
            Self.systemPaths.contains { Self.isWithin(folder, $0) } || privateRoots.contains { Self.isWithin(folder, $0) }
                || targets.contains(folder)
        }
        var folders = Set<String>()
        for target in targets {
            var folder = (target as NSString).deletingLastPathComponent
            while folder != "/" && !folder.isEmpty {
                if !covered(folder) { folders.insert(folder) }
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        return folders.sorted { $0.split(separator: "/").count < $1.split(separator: "/").count }
    }

    /// Paths the sandbox shows that lie inside its private `/tmp` or home (a data directory
    /// under /tmp, say) need folders there to be mounted on; bubblewrap would make them
    /// private to root, out of the run's user's reach. They are made here, open to read.
    func prepareMountPoints(for view: SandboxView) {
        let targets = view.readOnly + view.readWrite.map(\.target) + [URL(fileURLWithPath: entryExecutable).deletingLastPathComponent().path]
        let privateRoots = [view.temporaryDirectory.map { SandboxView.Mount(source: $0, target: "/tmp") }, view.home].compactMap { $0 }
        for target in targets {
            guard let root = privateRoots.first(where: { Self.isWithin(target, $0.target) && target != $0.target }) else { continue }
            var folder = root.source
            for component in target.dropFirst(root.target.count).split(separator: "/") {
                folder += "/" + component
                if mkdir(folder, 0o755) == 0 { chmod(folder, 0o755) }
            }
        }
    }

    /// Covers what must stay hidden although a tree around it (`shown`) is visible: an
    /// empty folder over a folder, an empty file over a file.
    func masks(within shown: [String]) -> [String] {
        var arguments: [String] = []
        for hidden in hiddenPaths where shown.contains(where: { Self.isWithin(hidden, $0) && hidden != $0 }) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: hidden, isDirectory: &isDirectory) else { continue }
            arguments += isDirectory.boolValue ? ["--tmpfs", hidden] : ["--ro-bind", "/dev/null", hidden]
        }
        return arguments
    }

    /// Whether `path` is `folder` or inside it.
    static func isWithin(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }
}
