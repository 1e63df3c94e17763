import AMESystem
import AMETestSupport
import Foundation
import KubernetesHarness

/// A user's AME against `ame-server --executor kubernetes`: the Kubernetes API harness
/// (over HTTPS, with a service-account token and AME's own Role from `deploy/` enforced)
/// whose Pods really run `ame agent init` and `ame agent exec` as processes; the real
/// `ame-server` pointed at it with `--kubeconfig`; and the sandbox's `ame` set up against
/// that server. The Pods' agents reach the server over loopback with their run's token,
/// as they would reach its Service in a cluster.
public final class KubernetesCluster: @unchecked Sendable {
    public static let token = "harness-token-0123456789"
    public static let serviceAccount = "system:serviceaccount:ame:ame-server"

    /// Unowned by the cluster: for the `.kubernetes` transport the sandbox keeps the
    /// cluster alive (`companions`), not the other way round.
    private weak var weakSandbox: AMESandbox?
    private let ownedSandbox: AMESandbox?
    public let harness: FakeKubernetes

    public var sandbox: AMESandbox { ownedSandbox ?? weakSandbox! }

    /// A cluster with a sandbox of its own. With `cacheVolume` (a folder), the server sets
    /// `AME_KUBERNETES_CACHE_VOLUME=ame-cache` and the harness's claim `ame-cache` is that folder.
    public convenience init(cacheVolume: URL? = nil) async throws {
        try await self.init(sandbox: try AMESandbox(.embedded), owned: true, cacheVolume: cacheVolume)
    }

    /// Brings up the cluster and the server for `sandbox` (the `.kubernetes` transport).
    public convenience init(sandbox: AMESandbox) async throws {
        try await self.init(sandbox: sandbox, owned: false)
    }

    private init(sandbox: AMESandbox, owned: Bool, cacheVolume: URL? = nil) async throws {
        ownedSandbox = owned ? sandbox : nil
        weakSandbox = sandbox
        let inherited = ProcessInfo.processInfo.environment
        // What the fake node gives every container: `ame` on PATH (the init container runs
        // the AME image's `ame`), Python from this machine, the shared Python cache.
        var node: [String: String] = [
            "HOME": sandbox.directory.url.appendingPathComponent("node-home").path,
            "PATH": Fixtures.productsDirectory.path + ":" + (inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"),
            "XDG_CACHE_HOME": AMESandbox.sharedCache.path,
            "LANG": "C.UTF-8",
        ]
        for key in ["PYENV_ROOT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "TMPDIR"] {
            if let value = inherited[key] { node[key] = value }
        }
        var options = FakeKubernetes.Options()
        options.tokens = [Self.token: Self.serviceAccount]
        options.role = try RBACRole(file: Fixtures.repositoryRoot.appendingPathComponent("deploy/kubernetes/overlays/kubernetes-executor/role.yaml"))
        options.nodeEnvironment = node
        options.configRetryInterval = .milliseconds(200)
        options.pki = try await TestPKI(directory: sandbox.directory.url.appendingPathComponent("pki"))
        if let cacheVolume {
            options.persistentVolumeClaims = ["ame-cache": cacheVolume]
            sandbox.setEnvironment("AME_KUBERNETES_CACHE_VOLUME", "ame-cache")
        }
        harness = FakeKubernetes(options: options, scratch: sandbox.directory.url.appendingPathComponent("node"))
        _ = try await harness.start()

        let kubeconfig = sandbox.directory.url.appendingPathComponent("kubeconfig")
        try Data(try harness.kubeconfig(token: Self.token, namespace: "ame").utf8).write(to: kubeconfig)
        sandbox.serverArguments = ["--executor", "kubernetes", "--kubeconfig", kubeconfig.path]
        // A fixed port: the Pods are told the server's URL before it starts listening.
        let port = try TCPSocket.freePort()
        try await Self.onThread { try sandbox.connectToNewServer(port: port) }
    }

    /// Runs blocking work (starting a server waits for it with sleeps) on a thread of its
    /// own: on the concurrency pool it would hold one of its few threads, which the harness
    /// needs to answer the very server it waits for.
    public static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run(stackSize: 8 << 20, work)
    }

    deinit {
        // The sandbox is going (it stops its server itself): stop the Pods' processes.
        let harness = self.harness
        Task.detached { await harness.stop() }
    }

    public func shutdown() async {
        sandbox.stopServer()
        await harness.stop()
    }

    /// The Pods that exist now in the namespace.
    public var pods: [JSON] { harness.pods("ame") }

    /// Waits until `condition` holds, polling.
    public func wait(_ what: String, timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Timeout(what: what, serverLog: sandbox.serverLog)
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var what: String
        public var serverLog: String
        public var description: String { "timed out waiting for \(what)\nserver log:\n\(serverLog.suffix(4000))" }
    }
}
