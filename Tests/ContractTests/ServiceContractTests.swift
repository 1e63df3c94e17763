import AMECore
import AMESystem
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// Service runs (tasks with ports) run until cancelled, are `running` only once their port
/// accepts connections, and are reachable through `ame port-forward`.
@Suite("Service contract", .timeLimit(.minutes(10)))
struct ServiceContractTests {
    @Test("a service is running once its port answers, is listed as a service, forwards, and stops on cancel", arguments: Transport.withKubernetes)
    func serviceLifecycle(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let port = try TCPSocket.freePort()
        let project = try sandbox.project(["ame.yaml": """
            projectname: service
            tasks:
              web:
                runcommand: sleep 1; echo served-by-ame > index.html; exec python3 -m http.server \(port) --bind "${AME_POD_IP:-$AME_SERVICE_HOST}"
                dependencies: none
                ports: [\(port)]
            """])
        // Locally the service listens on loopback (AME_SERVICE_HOST); as a Pod, only on its
        // Pod's IP, so that forwarding works only if the server dials the Pod.
        let submitted = try await Contract.submit(sandbox, "web", in: project)
        let starting = try await Contract.status(sandbox, submitted.id)
        #expect(starting.status != .running || TCPSocket.isAccepting(host: Self.serviceHost(sandbox), port: port), "running before the port answered")
        let running = try await Contract.waitForRun(sandbox, submitted.id) { $0.status == .running }
        let host = Self.serviceHost(sandbox)
        if transport == .kubernetes {
            #expect(host != "127.0.0.1")
            #expect(!TCPSocket.isAccepting(host: "127.0.0.1", port: port), "the Pod's service is on loopback")
        }
        #expect(TCPSocket.isAccepting(host: host, port: port))
        #expect(running.status == .running)
        #expect(running.reason?.contains("serving on port \(port)") == true)
        #expect(running.isService)
        let listed = try await sandbox.ame(["runs"])
        #expect(listed.stdout.contains("service :\(port)"))

        let localPort = try TCPSocket.freePort()
        let forward = try sandbox.start(["port-forward", submitted.id, String(port), "--local-port", String(localPort)])
        #expect(await forward.waitFor("Forwarding 127.0.0.1:\(localPort)"))
        // Two connections at once through the forwarder.
        async let first = Self.httpGet(port: localPort, path: "/index.html")
        async let second = Self.httpGet(port: localPort, path: "/index.html")
        let (a, b) = try await (first, second)
        #expect(a.contains("served-by-ame"))
        #expect(b.contains("served-by-ame"))
        forward.interrupt()
        _ = try await forward.finish(timeout: .seconds(20))

        let cancelled = try await sandbox.ame(["cancel", submitted.id])
        #expect(cancelled.exitCode == 0)
        let ended = try await Contract.waitForRun(sandbox, submitted.id) { $0.status.isTerminal }
        #expect(ended.status == .cancelled)
        var accepting = TCPSocket.isAccepting(host: host, port: port)
        for _ in 0..<50 where accepting {
            try await Task.sleep(for: .milliseconds(100))
            accepting = TCPSocket.isAccepting(host: host, port: port)
        }
        #expect(!accepting, "the service still answers after cancel")
    }

    /// Where the service listens: loopback, or its Pod's IP in the harness.
    static func serviceHost(_ sandbox: AMESandbox) -> String {
        let cluster = sandbox.companions.lazy.compactMap { $0 as? KubernetesCluster }.first
        return cluster?.pods.first?["status"]["podIP"].string ?? "127.0.0.1"
    }

    /// A minimal HTTP/1.0 GET over a raw socket.
    static func httpGet(port: Int, path: String) async throws -> String {
        let stream = TCPByteStream(socket: try TCPSocket.connect(host: "127.0.0.1", port: port))
        try await stream.write(Data("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8))
        var response = Data()
        while let chunk = try await stream.read() { response.append(chunk) }
        await stream.close()
        return String(decoding: response, as: UTF8.self)
    }
}
