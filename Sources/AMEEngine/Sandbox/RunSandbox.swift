import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One run's place in the sandbox: the user its commands run as, its private `/tmp`
/// (`EngineLayout.sandboxes/RUN/`, removed with the run), its user's home (`homes/USER`,
/// kept from run to run as a home is: what a service such as MLflow stores there lasts),
/// and the limits every command of the run gets. The coordinator derives each step's and
/// each build's view from it.
struct RunSandbox: Sendable {
    let sandbox: Sandbox
    /// `sandboxes/RUN`: the run's scratch folders and its passwd/group files.
    let scratch: URL
    /// Who the run's files belong to (nil: the engine's own user).
    let owner: (uid: UInt32, gid: UInt32)?
    /// What every command of the run sees, before its own additions.
    let base: SandboxView

    /// Sets up the run's scratch folders (as the run's user, when the sandbox starts as root).
    static func prepare(sandbox: Sandbox, engine: Engine, runID: String, owner: String,
                        environment: [String: String]) throws -> RunSandbox {
        let scratch = engine.layout.sandboxes.appendingPathComponent(runID, isDirectory: true)
        let manager = FileManager.default
        if manager.fileExists(atPath: scratch.path) { try manager.removeItem(at: scratch) }
        let tmp = scratch.appendingPathComponent("tmp", isDirectory: true)
        let home = engine.layout.homes.appendingPathComponent(EngineLayout.folderName(forUser: owner), isDirectory: true)
        // Only this run (the user's runs, for the home) ever sees them: they lie in the
        // private data directory. The sandbox's own mount points may have to be made and
        // passed through inside them.
        try manager.createDirectory(at: tmp, withIntermediateDirectories: true)
        try manager.createDirectory(at: home, withIntermediateDirectories: true)
        chmod(tmp.path, 0o1777)
        chmod(home.path, 0o755)
        var view = SandboxView()
        view.temporaryDirectory = tmp.path
        let homePath = environment["HOME"].flatMap { $0.hasPrefix("/") && $0 != "/" ? $0 : nil } ?? "/home/ame"
        view.home = SandboxView.Mount(source: home.path, target: homePath)
        view.maxProcesses = engine.configuration.maxProcessesPerRun
        view.readOnly = Self.toolPaths(environment: environment, hidden: sandbox.hiddenPaths)
        var fileOwner: (uid: UInt32, gid: UInt32)?
        if sandbox.startsAsRoot {
            let uid = try engine.store.sandboxUID(for: owner)
            let name = Self.accountName(for: owner)
            let passwd = scratch.appendingPathComponent("passwd")
            let group = scratch.appendingPathComponent("group")
            let systemPasswd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "root:x:0:0:root:/root:/bin/sh\n"
            let systemGroup = (try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? "root:x:0:\n"
            try Self.appendingLine(to: systemPasswd, "\(name):x:\(uid):\(uid):AME user \(name.dropFirst(4)):\(homePath):/bin/sh")
                .write(to: passwd, atomically: false, encoding: .utf8)
            try Self.appendingLine(to: systemGroup, "\(name):x:\(uid):").write(to: group, atomically: false, encoding: .utf8)
            for file in [passwd, group] { chmod(file.path, 0o644) }
            for folder in [scratch, tmp] { chown(folder.path, uid, uid) }
            var info = stat()
            if stat(home.path, &info) == 0, info.st_uid != uid { WorkspaceOwnership.give(home.path, to: (uid, uid)) }
            view.user = SandboxView.User(name: name, uid: uid, gid: uid, passwdFile: passwd.path, groupFile: group.path)
            fileOwner = (uid, uid)
        }
        return RunSandbox(sandbox: sandbox, scratch: scratch, owner: fileOwner, base: view)
    }

    /// Removes the run's scratch folders (not its user's home).
    func remove() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The view of a step: its workspace read-write, its environment read-only.
    func stepView(workspace: URL, readOnly: [String], storage: Quantity?, devices: [String]) -> Sandbox.Placement {
        var view = base
        view.readWrite = [SandboxView.Mount(workspace.path)]
        view.readOnly += readOnly
        view.workingDirectory = workspace.path
        view.maxFileSize = storage?.wholeUnits
        view.devices = devices
        return Sandbox.Placement(sandbox: sandbox, view: view)
    }

    /// Hands everything under `workspace` that is not the run's user's yet to that user
    /// (a no-op when commands run as the engine's own user). Files linked to blobs stay the
    /// store's: the run's user can replace them, never change them.
    func giveToRun(workspaceTree workspace: URL) {
        guard let owner else { return }
        WorkspaceOwnership.give(workspace.path, to: owner)
    }

    /// The folders on `PATH` outside the system (a user's `~/.local/bin`, pyenv's shims) and
    /// pyenv's root, which its shims need: shown read-only, so the same commands are found
    /// inside the sandbox as outside. None that holds or lies in a hidden path.
    static func toolPaths(environment: [String: String], hidden: [String]) -> [String] {
        var paths = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if let pyenv = environment["PYENV_ROOT"] { paths.append(pyenv) }
        var seen = Set<String>()
        return paths.filter { path in
            guard path.hasPrefix("/"), path != "/", seen.insert(path).inserted,
                  !Sandbox.systemPaths.contains(where: { Sandbox.isWithin(path, $0) }),
                  !hidden.contains(where: { Sandbox.isWithin(path, $0) || Sandbox.isWithin($0, path) }) else { return false }
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// `ame-NAME` from an AME user name, as a login name: lower-case letters, digits, `-`
    /// and `_`, at most 32 characters.
    static func accountName(for user: String) -> String {
        let cleaned = String(user.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" ? Character(scalar) : "_"
        })
        return "ame-" + String(cleaned.prefix(28))
    }

    private static func appendingLine(to text: String, _ line: String) -> String {
        (text.hasSuffix("\n") || text.isEmpty ? text : text + "\n") + line + "\n"
    }
}
