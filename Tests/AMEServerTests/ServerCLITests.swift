import AMECore
import AMEEngine
import AMESystem
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `ame` and `ame-server` binaries: setup, tokens, switching servers, and a server
/// killed with SIGKILL in the middle of a run.
@Suite(.serialized) struct ServerCLITests {
    @Test func setupChecksTheServerAndTheTokenBeforeSavingAnything() async throws {
        let sandbox = try AMESandbox(.server)
        let server = try #require(sandbox.server)
        let config = sandbox.directory.url.appendingPathComponent("home/.config/ame/config.yaml")
        let mode = try FileManager.default.attributesOfItem(atPath: config.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let saved = try String(contentsOf: config, encoding: .utf8)

        let wrong = try await sandbox.ame(["setup", server.url, "--token", "ame_wrong_token_123", "--name", "other"])
        #expect(wrong.exitCode == 1)
        #expect(wrong.stderr.contains("the server refused the token"), "\(wrong.stderr)")
        let unreachable = try await sandbox.ame(["setup", "http://127.0.0.1:1", "--token", "x"])
        #expect(unreachable.exitCode == 1)
        #expect(unreachable.stderr.contains("cannot reach http://127.0.0.1:1: connection refused"), "\(unreachable.stderr)")
        #expect(try String(contentsOf: config, encoding: .utf8) == saved, "a failed setup changed the config")

        let whoami = try await sandbox.ame(["whoami"])
        #expect(whoami.stdout == "tester (admin) on \(server.url) (ame-server \(BuildInfo.version))\n")
        #expect(whoami.stderr.isEmpty, "same versions: no warning, but \(whoami.stderr)")
        let whoamiJSON = try await sandbox.ame(["whoami", "--json"])
        let identity = try JSONDecoder().decode(Identity.self, from: Data(whoamiJSON.stdout.utf8))
        #expect(identity.version == BuildInfo.version && identity.server == server.url, "\(whoamiJSON.stdout)")
        let local = try await sandbox.ame(["whoami", "--local"])
        #expect(local.stdout.contains("on the embedded engine"))

        // AME_SERVER/AME_TOKEN override the file.
        sandbox.setEnvironment("AME_SERVER", "http://127.0.0.1:1")
        let overridden = try await sandbox.ame(["whoami"])
        #expect(overridden.stderr.contains("cannot reach http://127.0.0.1:1"))
        sandbox.setEnvironment("AME_SERVER", nil)

        let logout = try await sandbox.ame(["logout"])
        #expect(logout.stdout.contains("logged out of sandbox; ame now uses the embedded engine"))
        #expect(try await sandbox.ame(["whoami"]).stdout.contains("embedded engine"))
        let again = try await sandbox.ame(["setup", server.url, "--token", server.adminToken, "--name", "a"])
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(again.stdout.contains("connected to \(server.url) as tester (admin)"))
        #expect(try await sandbox.ame(["setup", server.url, "--token", server.adminToken, "--name", "b"]).exitCode == 0)
        #expect(try await sandbox.ame(["setup", "--use", "a"]).stdout.contains("ame now uses a"))
        let list = try await sandbox.ame(["setup"])
        #expect(list.stdout.contains("* ") && list.stdout.contains(" a ") || list.stdout.contains("a"))
        #expect(try await sandbox.ame(["setup", "--use", "nope"]).exitCode == 2)
    }

    @Test func aServerStartedOnPortZeroNamesThePortItBoundInWhoamiAndTheDashboard() async throws {
        let sandbox = try AMESandbox(.server)
        let server = try #require(sandbox.server)
        #expect(!server.url.hasSuffix(":0"))
        let whoami = try await sandbox.program("/usr/bin/curl", ["-sS", "-H", "Authorization: Bearer \(server.adminToken)", server.url + "/v1/whoami"])
        let identity = try WireFormat.decoder().decode(Identity.self, from: Data(whoami.stdout.utf8))
        #expect(identity.server == server.url, "\(whoami.stdout)")
        let page = try await sandbox.program("/usr/bin/curl", ["-sS", server.url + "/signin"])
        #expect(page.stdout.contains("AME dashboard · \(server.url) ·"), "\(page.stdout)")
        #expect(!page.stdout.contains(":0 ·"))
    }

    @Test func tokensAreMadeListedAndRevokedThroughTheCLI() async throws {
        let sandbox = try AMESandbox(.server)
        let created = try await sandbox.ame(["token", "create", "alice", "--description", "laptop"])
        #expect(created.exitCode == 0, "\(created.stderr)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("ame_"))

        sandbox.setEnvironment("AME_TOKEN", token)
        #expect(try await sandbox.ame(["whoami"]).stdout.hasPrefix("alice on "))
        let refused = try await sandbox.ame(["token", "list"])
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("only an admin"))
        sandbox.setEnvironment("AME_TOKEN", nil)

        let list = try await sandbox.ame(["token", "list", "--json"])
        #expect(!list.stdout.contains(token))
        let tokens = try JSONDecoder().decode([[String: AnyCodableValue]].self, from: Data(list.stdout.utf8))
        let id = try #require(tokens.first { $0["user"]?.string == "alice" }?["id"]?.string)
        #expect(try await sandbox.ame(["token", "revoke", id]).exitCode == 0)

        sandbox.setEnvironment("AME_TOKEN", token)
        let revoked = try await sandbox.ame(["whoami"])
        #expect(revoked.exitCode == 1)
        #expect(revoked.stderr.contains("the server refused the token"))
        #expect(revoked.stderr.contains("ame setup"))
    }

    @Test func runsNeverSeeTheServersToken() async throws {
        let sandbox = try AMESandbox(.server)
        let token = try #require(sandbox.server?.adminToken)
        let project = try sandbox.project(["ame.yaml": "projectname: env\ntasks:\n  env: {runcommand: env}\n"])
        let run = try await sandbox.ame(["run", "env"], in: project)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("PATH="))
        #expect(!run.stdout.contains(token))
        #expect(!run.stdout.contains("AME_ADMIN_TOKEN"))
    }

    @Test func aServerKilledMidRunRestartsWithTheRunAndItsLogAndIntactBlobs() async throws {
        let sandbox = try AMESandbox(.server)
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: crash
                tasks:
                  slow: {runcommand: "for i in $(seq 1 30); do echo line $i; sleep 0.1; done"}
                  doomed: {runcommand: "for i in $(seq 1 600); do echo tick $i; sleep 0.1; done"}
                """,
            "data/input.txt": String(repeating: "some project data\n", count: 5000),
        ])
        let slow = try await sandbox.ame(["run", "slow", "--detach"], in: project)
        #expect(slow.exitCode == 0, "\(slow.stderr)")
        let slowID = slow.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let doomed = try await sandbox.ame(["run", "doomed", "--detach"], in: project)
        let doomedID = doomed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // Wait for output from both, then crash the server, and the doomed run's agent too.
        for id in [slowID, doomedID] {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline, !(try await sandbox.ame(["logs", id]).stdout.contains(" 3\n")) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        sandbox.killServer()
        let agents = Self.processes(matching: ["agent", "run", doomedID])
        #expect(!agents.isEmpty)
        for pid in agents { kill(pid, SIGKILL) }

        try sandbox.restartServer()
        let runs = try await sandbox.ame(["runs", "--json"])
        #expect(runs.stdout.contains(slowID) && runs.stdout.contains(doomedID), "\(runs.stdout)\(runs.stderr)")

        // The surviving run finishes with its whole log; the one whose agent died is lost, with a reason.
        let followed = try await sandbox.ame(["logs", slowID, "-f"], timeout: .seconds(120))
        #expect(followed.stdout.contains("line 1\n") && followed.stdout.contains("line 30\n"), "\(followed.stdout)")
        let slowStatus = try await sandbox.ame(["status", slowID, "--json"])
        #expect(slowStatus.stdout.contains("\"succeeded\""), "\(slowStatus.stdout)")

        let deadline = ContinuousClock.now + .seconds(60)
        var doomedStatus = ""
        while ContinuousClock.now < deadline {
            doomedStatus = try await sandbox.ame(["status", doomedID, "--json"]).stdout
            if doomedStatus.contains("\"lost\"") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(doomedStatus.contains("\"lost\""), "\(doomedStatus)")
        #expect(doomedStatus.contains("stopped without reporting"))
        let doomedLog = try await sandbox.ame(["logs", doomedID])
        #expect(doomedLog.stdout.contains("tick 1\n"))

        // Every blob the server holds still hashes to its name; no upload is half visible.
        let data = try #require(sandbox.server?.dataDirectory)
        let blobs = try BlobStore(directory: data.appendingPathComponent("blobs"), temporaryDirectory: data.appendingPathComponent("tmp"))
        let check = blobs.verifyAll()
        #expect(check.checked >= 2)
        #expect(check.corrupt.isEmpty)
    }

    @Test func anUploadCutByACrashNeverBecomesVisible() async throws {
        let sandbox = try AMESandbox(.server)
        let server = try #require(sandbox.server)
        let port = try #require(URL(string: server.url)?.port)
        let digest = String(repeating: "7", count: 64)
        // Half of a 4 MiB upload, then the server dies.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = CuttingProxy.loopback(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let head = "PUT /v1/blobs/\(digest) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(server.adminToken)\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Length: \(4 << 20)\r\n\r\n"
        var bytes = Array(head.utf8) + [UInt8](repeating: 0x41, count: 2 << 20)
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress, $0.count) }
        #expect(written == bytes.count)
        try await Task.sleep(for: .milliseconds(300))
        let scratch = server.dataDirectory.appendingPathComponent("tmp")
        #expect(!(try filesBelow(scratch.path)).isEmpty, "the upload was not in progress")
        sandbox.killServer()
        try sandbox.restartServer()
        #expect(try filesBelow(scratch.path).isEmpty, "a half upload was left behind")
        let blob = server.dataDirectory.appendingPathComponent("blobs/sha256/77/\(digest)")
        #expect(!FileManager.default.fileExists(atPath: blob.path))
        bytes.removeAll()
    }

    /// Pids whose command line contains every one of `words`.
    static func processes(matching words: [String]) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.allSatisfy(arguments.contains) ? pid : nil
        }
    }
}

/// Enough of JSON to pick fields out of CLI output.
enum AnyCodableValue: Decodable {
    case string(String), number(Double), bool(Bool), other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else { self = .other }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
}
