import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// `ame` behind an HTTP proxy: requests to a server go through `CONNECT` on the proxy named
/// by http(s)_proxy (with its credentials), `no_proxy` and loopback go direct, and a proxy
/// that refuses or cannot be used is a sentence. The server is reached by a name only the
/// proxy resolves (as an internal name behind a corporate proxy), so a request that
/// bypassed the proxy could not succeed.
@Suite("Proxy contract", .serialized, .timeLimit(.minutes(5)))
struct ProxyContractTests {
    static let script = Fixtures.repositoryRoot.appendingPathComponent("Tests/Helpers/proxy/connect_proxy.py").path

    struct Proxy {
        let process: RunningProcess
        let port: Int
        let log: URL

        var targets: [[String: Any]] {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    func startProxy(_ sandbox: AMESandbox, serverPort: Int, credentials: String?) async throws -> Proxy {
        let log = sandbox.directory.url.appendingPathComponent("proxy-\(UUID().uuidString.prefix(6)).log")
        var arguments = [Self.script, "--log", log.path, "--map", "ame.proxy.test=127.0.0.1:\(serverPort)"]
        if let credentials { arguments += ["--credentials", credentials] }
        let process = try RunningProcess.start(executable: "/usr/bin/python3", arguments: arguments, environment: sandbox.environment,
                                               workingDirectory: sandbox.directory.url, input: nil)
        #expect(await process.waitFor("listening "), "the proxy did not start: \(process.stderrSoFar)")
        let port = try #require(process.stdoutSoFar.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        return Proxy(process: process, port: port, log: log)
    }

    /// A live server and, in front of it, a proxy that wants `alice:p@ss`.
    struct Setup {
        let sandbox: AMESandbox
        let server: AMESandbox.ServerHandle
        let serverPort: Int
        let proxy: Proxy

        /// The server as reached behind the proxy: by the name only the proxy resolves.
        var viaName: [String: String] { ["AME_SERVER": "http://ame.proxy.test:\(serverPort)", "AME_TOKEN": server.adminToken] }
    }

    func setUp() async throws -> Setup {
        let sandbox = try AMESandbox(.server)
        let server = try #require(sandbox.server)
        let serverPort = try #require(URL(string: server.url)?.port)
        let proxy = try await startProxy(sandbox, serverPort: serverPort, credentials: "alice:p@ss")
        return Setup(sandbox: sandbox, server: server, serverPort: serverPort, proxy: proxy)
    }

    func ame(_ sandbox: AMESandbox, _ arguments: [String], in directory: URL? = nil, _ extra: [String: String]) async throws -> ProcessResult {
        try await sandbox.program(sandbox.ameBinary.path, arguments, in: directory, environment: extra, timeout: .seconds(300))
    }

    @Test("through an authenticating proxy: whoami and a run with live logs and files back; no_proxy and loopback go direct")
    func throughProxy() async throws {
        let setup = try await setUp()
        let (sandbox, server, serverPort, proxy) = (setup.sandbox, setup.server, setup.serverPort, setup.proxy)
        defer { proxy.process.child.send(SIGTERM) }
        let behindProxy = setup.viaName.merging(["http_proxy": "http://alice:p%40ss@127.0.0.1:\(proxy.port)"]) { _, new in new }

        let whoami = try await ame(sandbox, ["whoami"], behindProxy)
        #expect(whoami.exitCode == 0, "stderr: \(whoami.stderr)")
        #expect(proxy.targets.contains { $0["target"] as? String == "ame.proxy.test:\(serverPort)" && $0["status"] as? Int == 200 },
                "the proxy saw: \(proxy.targets)")

        let project = try sandbox.project(["ame.yaml": """
            projectname: proxied
            tasks:
              hello:
                runcommand: echo "through the proxy" && echo made > out.txt
                dependencies: none
            """])
        let run = try await ame(sandbox, ["run", "hello"], in: project, behindProxy)
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("through the proxy"))
        #expect((try? String(contentsOf: project.appendingPathComponent("out.txt"), encoding: .utf8)) == "made\n")

        // no_proxy: the name is tried directly, where it does not resolve; the proxy sees nothing more.
        let seen = proxy.targets.count
        var exempt = behindProxy
        exempt["no_proxy"] = "localhost,.proxy.test"
        let direct = try await ame(sandbox, ["whoami"], exempt)
        #expect(direct.exitCode != 0)
        #expect(direct.stderr.contains("cannot reach http://ame.proxy.test:\(serverPort)"), "stderr: \(direct.stderr)")
        #expect(!direct.stderr.contains("through the proxy"))
        #expect(proxy.targets.count == seen)

        // Loopback never goes through a proxy, even a dead one.
        let loopback = try await ame(sandbox, ["whoami"], ["AME_SERVER": server.url, "AME_TOKEN": server.adminToken,
                                                          "http_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"])
        #expect(loopback.exitCode == 0, "stderr: \(loopback.stderr)")
    }

    @Test("a proxy that wants credentials, one that is down, and one AME cannot use each get a sentence")
    func proxyProblems() async throws {
        let setup = try await setUp()
        let (sandbox, proxy, base) = (setup.sandbox, setup.proxy, setup.viaName)
        defer { proxy.process.child.send(SIGTERM) }

        let anonymous = try await ame(sandbox, ["whoami"], base.merging(["http_proxy": "http://127.0.0.1:\(proxy.port)"]) { _, new in new })
        #expect(anonymous.exitCode != 0)
        #expect(anonymous.stderr.contains("through the proxy 127.0.0.1:\(proxy.port)"), "stderr: \(anonymous.stderr)")
        #expect(anonymous.stderr.contains("credentials"), "stderr: \(anonymous.stderr)")
        #expect(proxy.targets.contains { $0["status"] as? Int == 407 })

        let closed = try TCPSocket.freePort()
        let down = try await ame(sandbox, ["whoami"], base.merging(["http_proxy": "http://127.0.0.1:\(closed)"]) { _, new in new })
        #expect(down.exitCode != 0)
        #expect(down.stderr.contains("through the proxy 127.0.0.1:\(closed)"), "stderr: \(down.stderr)")
        #expect(down.stderr.contains("http(s)_proxy"), "the hint names where the proxy came from: \(down.stderr)")

        let unusable = try await ame(sandbox, ["whoami"], base.merging(["http_proxy": "https://bob:hunter2@proxy.corp:443"]) { _, new in new })
        #expect(unusable.exitCode != 0)
        #expect(unusable.stderr.contains("http_proxy=https://bob:***@proxy.corp:443"), "stderr: \(unusable.stderr)")
        #expect(!unusable.stderr.contains("hunter2"))
        #expect(!unusable.stderr.contains("Fatal error"))
    }
}
