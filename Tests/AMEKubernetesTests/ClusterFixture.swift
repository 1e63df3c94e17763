import AMECore
import AMEEngine
@testable import AMEKubernetes
import AMETestSupport
import Foundation
import KubernetesHarness

/// A fake cluster for a test: the harness over HTTPS with AME's own Role enforced, an
/// engine in a temporary data directory that the Pods' agents share, and a client that
/// reached it through a kubeconfig.
final class ClusterFixture: @unchecked Sendable {
    static let token = "harness-token-0123456789"
    static let serviceAccount = "system:serviceaccount:ame:ame-server"
    static let role = Fixtures.repositoryRoot.appendingPathComponent("deploy/kubernetes/overlays/kubernetes-executor/role.yaml")

    let directory: TemporaryDirectory
    let harness: FakeKubernetes
    let client: KubernetesClient
    let engine: Engine
    let environment: [String: String]

    init(tls: Bool = true, role: URL = ClusterFixture.role, node: FakeNode = FakeNode(), historyLimit: Int = 10_000, backoff: Backoff = Backoff(attempts: 4, initialDelay: .milliseconds(50))) async throws {
        directory = try TemporaryDirectory(prefix: "ame-k8s")
        let home = directory.url.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let inherited = ProcessInfo.processInfo.environment
        // The engine and every Pod's agent use the same data directory: in these tests the
        // agents reach the blob store through it, where on a cluster they use AME_SERVER.
        var environment: [String: String] = [
            "HOME": home.path,
            "USER": "tester",
            "XDG_CONFIG_HOME": home.appendingPathComponent(".config").path,
            "XDG_DATA_HOME": directory.url.appendingPathComponent("data").path,
            "XDG_CACHE_HOME": AMESandbox.sharedCache.path,
            "PATH": Fixtures.productsDirectory.path + ":" + (inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
        ]
        for key in ["PYENV_ROOT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "TMPDIR"] {
            if let value = inherited[key] { environment[key] = value }
        }
        self.environment = environment

        var options = FakeKubernetes.Options()
        options.tokens = [Self.token: Self.serviceAccount]
        options.role = try RBACRole(file: role)
        options.nodeEnvironment = environment
        options.node = node
        options.historyLimit = historyLimit
        options.configRetryInterval = .milliseconds(200)
        if tls { options.pki = try await TestPKI(directory: directory.url.appendingPathComponent("pki")) }
        harness = FakeKubernetes(options: options, scratch: directory.url.appendingPathComponent("node"))
        _ = try await harness.start()

        let kubeconfig = try directory.write("kubeconfig", try harness.kubeconfig(token: Self.token, namespace: "ame"))
        let configuration = try KubernetesConfiguration.resolve(kubeconfig: kubeconfig.path, context: nil, environment: [:])
        client = try KubernetesClient(configuration: configuration, backoff: backoff)

        var engineConfiguration = EngineConfiguration(capacity: Capacity(cpuMillis: 64_000, memoryBytes: 256 << 30, gpus: []))
        engineConfiguration.linkFilesLargerThan = .max
        engine = try Engine(layout: .embedded(environment: environment), configuration: engineConfiguration)
    }

    func shutdown() async {
        await client.shutdown()
        await harness.stop()
    }

    func executor(_ options: KubernetesExecutor.Options = KubernetesExecutor.Options(logDrainTimeout: .seconds(5)),
                  client: KubernetesClient? = nil, settings: KubernetesSettings = KubernetesSettings(namespace: "ame")) -> KubernetesExecutor {
        KubernetesExecutor(client: client ?? self.client, engine: engine, settings: settings,
                           tokens: FixedAgentToken("agent-token-for-tests"), options: options)
    }

    /// Stores the files as a project and submits a run of `task`.
    func submit(_ files: [String: String], task: String, owner: String = "tester") throws -> StoredRun {
        var entries: [Manifest.Entry] = []
        for (path, content) in files {
            let data = Data(content.utf8)
            let digest = try engine.blobs.put(data, expected: nil)
            entries.append(Manifest.Entry(path: path, digest: digest, size: Int64(data.count), executable: path.hasSuffix(".sh")))
        }
        // As an upload does: the owner has proved to hold them.
        try engine.store.claimBlobs(entries.compactMap(\.digest), owner: owner)
        return try engine.submit(RunRequest(task: task, manifest: Manifest(entries: entries)), owner: owner, executor: .kubernetes)
    }

    /// The attempt the coordinator would hand the executor.
    func attempt(_ run: StoredRun, step name: String? = nil, number: Int = 1, resources: Resources? = nil) throws -> StepAttempt {
        let step = try requireValue(run.task.effectiveSteps.first { $0.name == (name ?? run.task.effectiveSteps[0].name) }, "step")
        let workspace = directory.url.appendingPathComponent("workspaces/\(run.id)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        return StepAttempt(runID: run.id, step: step.name, number: number, command: step.runCommand ?? "", workingDirectory: workspace,
                           environment: [:], secretValues: [], resources: resources ?? step.resources, gpus: [], timeoutSeconds: step.timeout)
    }

    func log(_ run: StoredRun, step: String) throws -> StepLog {
        StepLog(writer: try engine.logs.writer(for: run.id), step: step)
    }

    /// Everything in the run's log so far.
    func logText(_ run: StoredRun) throws -> String {
        var offset: Int64 = 0
        var text = ""
        while true {
            let chunk = try engine.logs.read(runID: run.id, from: offset)
            text += chunk.events.map(\.text).joined()
            if chunk.events.isEmpty || chunk.next == offset { break }
            offset = chunk.next
        }
        return text
    }

    /// Waits until `condition` holds, polling.
    func wait(_ what: String, timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureTimeout(what: what)
    }

    struct FixtureTimeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}

/// `try #require` for values outside a test function's body.
func requireValue<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw ClusterFixture.FixtureTimeout(what: what) }
    return value
}
