import AMESystem
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sandbox: on` in engine.yaml: the embedded engine runs steps in the sandbox too. The run
/// sees its workspace and the system, and not the user's home, AME's data or other
/// processes; without the setting it sees them all.
@Suite("The embedded engine's sandbox", .serialized,
       .enabled(if: ExecutableLookup.find("bwrap", path: ProcessInfo.processInfo.environment["PATH"]) != nil,
                "needs bubblewrap (apt-get install bubblewrap; .ci/run installs it)"))
struct EmbeddedSandboxTests {
    static let probe = """
        echo "home: $(cat "$HOME/private.txt" 2>/dev/null)"
        echo "data: $(ls "$XDG_DATA_HOME/ame" 2>/dev/null | tr '\\n' ' ')"
        echo "procs: $(ls /proc | grep -c '^[0-9]')"
        echo "uid: $(id -u)"
        echo made > made.txt
        """

    struct Observation {
        var homeVisible: Bool
        var dataVisible: Bool
        var processes: Int
        var uid: Int
        var broughtBack: Bool
    }

    /// Runs the probe with `sandbox` set, as the current user or (`asUser`) as another
    /// unprivileged user through setpriv.
    func observe(sandbox: Bool, asUser uid: UInt32? = nil) async throws -> Observation {
        let ame = try AMESandbox(.embedded, engineConfig: sandbox ? "sandbox: on\n" : nil)
        let home = URL(fileURLWithPath: ame.environment["HOME"]!)
        try Data("secret notes".utf8).write(to: home.appendingPathComponent("private.txt"))
        let project = try ame.project(["ame.yaml": "projectname: probe\ntasks:\n  probe: {runcommand: sh probe.sh}\n",
                                       "probe.sh": Self.probe])
        let result: ProcessResult
        if let uid {
            // Everything of this sandbox belongs to that user.
            try FileManager.default.createDirectory(at: ame.directory.url.appendingPathComponent("cache"), withIntermediateDirectories: true)
            _ = try await ame.program("/bin/chown", ["-R", "\(uid):\(uid)", ame.directory.url.path])
            _ = try await ame.program("/bin/chmod", ["755", ame.directory.url.path])
            let cache = ame.directory.url.appendingPathComponent("cache").path
            result = try await ame.program("/usr/bin/setpriv", ["--reuid", "\(uid)", "--regid", "\(uid)", "--clear-groups",
                                                                Fixtures.ameBinary.path, "run", "probe"], in: project,
                                           environment: ["XDG_CACHE_HOME": cache])
        } else {
            result = try await ame.ame(["run", "probe"], in: project)
        }
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        func value(_ key: String) -> String {
            result.stdout.split(separator: "\n").first { $0.hasPrefix("\(key): ") }.map { String($0.dropFirst(key.count + 2)) } ?? ""
        }
        return Observation(homeVisible: value("home") == "secret notes", dataVisible: value("data").contains("ame.sqlite"),
                           processes: Int(value("procs")) ?? 0, uid: Int(value("uid")) ?? -1,
                           broughtBack: FileManager.default.fileExists(atPath: project.appendingPathComponent("made.txt").path))
    }

    @Test func withoutTheSettingARunSeesWhatItsUserSees() async throws {
        let seen = try await observe(sandbox: false)
        #expect(seen.homeVisible && seen.dataVisible && seen.processes > 10)
        #expect(seen.uid == Int(getuid()))
    }

    @Test func withItTheRunSeesItsWorkspaceOnly() async throws {
        let seen = try await observe(sandbox: true)
        #expect(!seen.homeVisible)
        #expect(!seen.dataVisible)
        #expect(seen.processes < 10)
        #expect(seen.broughtBack)
        // Started by root, the sandbox hands the command to an unprivileged user of AME's.
        if getuid() == 0 { #expect(seen.uid >= 1_800_000) } else { #expect(seen.uid == Int(getuid())) }
    }

    /// The sandbox as a user who is not root builds it: in a user namespace, as that user.
    @Test(.enabled(if: getuid() == 0, "as a user other than root, the test above already runs this way"))
    func startedByAnUnprivilegedUserItHidesAsMuch() async throws {
        let seen = try await observe(sandbox: true, asUser: 65534)
        #expect(!seen.homeVisible)
        #expect(!seen.dataVisible)
        #expect(seen.processes < 10)
        #expect(seen.uid == 65534)
        #expect(seen.broughtBack)
    }
}
