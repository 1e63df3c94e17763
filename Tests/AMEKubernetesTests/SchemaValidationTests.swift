import AMECore
import AMEKubernetes
import AMESystem
import AMETestSupport
import Foundation
import KubernetesHarness
import Testing

/// Every Pod and Secret AME produces, checked by `kubernetes-validate --strict` (Kubernetes'
/// published OpenAPI schemas, unknown fields rejected) for Kubernetes 1.30 and the newest
/// version the installed kubernetes-validate ships. `scripts/kubernetes-validate`
/// installs it into `.build/venvs/` (CI runs it first; here it runs on demand).
@Suite("Schema validation with kubernetes-validate --strict", .serialized)
struct SchemaValidationTests {
    static let oldest = "1.30.0"

    struct Validator {
        var venv: URL

        static func install() async throws -> Validator {
            let result = try await run(Fixtures.repositoryRoot.appendingPathComponent("scripts/kubernetes-validate").path, [])
            guard result.status.succeeded else {
                throw Failure(description: "scripts/kubernetes-validate could not install kubernetes-validate:\n\(result.output)")
            }
            return Validator(venv: URL(fileURLWithPath: result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                .split(separator: "\n").last.map(String.init) ?? ""))
        }

        /// The newest Kubernetes version whose strict schemas the package ships.
        func newestVersion() throws -> String {
            let lib = venv.appendingPathComponent("lib")
            let python = try FileManager.default.contentsOfDirectory(atPath: lib.path).first { $0.hasPrefix("python") } ?? ""
            let schemas = lib.appendingPathComponent("\(python)/site-packages/kubernetes_validate/kubernetes-json-schema")
            let versions = try FileManager.default.contentsOfDirectory(atPath: schemas.path)
                .filter { $0.hasSuffix("-local-strict") && $0.hasPrefix("v") }
                .map { String($0.dropFirst().dropLast("-local-strict".count)) }
            return try #require(versions.max { a, b in
                a.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes(b.split(separator: ".").compactMap { Int($0) })
            })
        }

        func validate(_ files: [URL], version: String) async throws -> (passed: Bool, output: String) {
            let result = try await Self.run(venv.appendingPathComponent("bin/kubernetes-validate").path,
                                            ["--strict", "-k", version] + files.map(\.path))
            return (result.status.succeeded, result.output)
        }

        static func run(_ executable: String, _ arguments: [String]) async throws -> (status: TerminationStatus, output: String) {
            var configuration = ChildProcess.Configuration(executable: executable, arguments: arguments, environment: ProcessInfo.processInfo.environment)
            configuration.standardOutput = .pipe
            configuration.standardError = .pipe
            let child = try ChildProcess.spawn(configuration)
            async let out = SchemaValidationTests.readAll(child.standardOutput)
            async let err = SchemaValidationTests.readAll(child.standardError)
            let status = await child.waitForExit()
            let (stdout, stderr) = await (out, err)
            return (status, String(decoding: stdout + stderr, as: UTF8.self))
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func readAll(_ handle: FileHandle?) async -> Data {
        guard let handle else { return Data() }
        return await PipeReader.readAll(handle)
    }

    /// What AME produces: the translation of every example (redacted as --dry-run prints
    /// it, and with real Secret data as the executor creates it). deploy/kubernetes/'s
    /// rendered overlays are checked in KustomizeTests.
    static func manifests(into directory: TemporaryDirectory) throws -> [URL] {
        var files: [URL] = []
        let examples: [(String, ProjectFile, String)] = [
            ("single-task", try TranslationFixtures.reference("single-task.yaml"), "download_data"),
            ("pipeline", try TranslationFixtures.reference("pipeline-fixed.yaml"), "main"),
            ("gpu-training", try TranslationFixtures.parse(PodTranslatorTests.gpuProject), "finetune"),
            ("service", try TranslationFixtures.parse(PodTranslatorTests.serviceProject), "lab"),
            ("quickstart", try ProjectFile.parse(try String(contentsOf: Fixtures.example("quickstart").appendingPathComponent("ame.yaml"), encoding: .utf8)), "pipeline"),
        ]
        for (name, project, task) in examples {
            let objects = try TranslationFixtures.objects(project, task: task)
            files.append(try directory.write("\(name).yaml", try ManifestRenderer.render(objects, as: .yaml)))
            files.append(try directory.write("\(name)-retry.yaml", try ManifestRenderer.render(
                try TranslationFixtures.objects(project, task: task, attempt: 2, memory: Quantity.bytes(32 << 30)), as: .yaml)))
        }
        // Warm Pods: the cache volume as a claim and as a node folder.
        let quickstart = try ProjectFile.parse(try String(contentsOf: Fixtures.example("quickstart").appendingPathComponent("ame.yaml"), encoding: .utf8))
        for (name, volume) in [("cache-claim", KubernetesSettings.CacheVolume.claim("ame-cache")), ("cache-hostpath", .hostPath("/var/cache/ame"))] {
            var settings = TranslationFixtures.settings
            settings.cacheVolume = volume
            files.append(try directory.write("\(name).yaml", try ManifestRenderer.render(
                try TranslationFixtures.objects(quickstart, task: "train", settings: settings), as: .yaml)))
        }
        // A step on four nodes: a headless Service and four Pods; again gated for Kueue.
        let nodes = try TranslationFixtures.parse(Self.nodesProject)
        files.append(try directory.write("nodes.yaml", try ManifestRenderer.render(try TranslationFixtures.objects(nodes, task: "train"), as: .yaml)))
        var kueue = TranslationFixtures.settings
        kueue.kueueQueue = "team-a"
        files.append(try directory.write("nodes-kueue.json", try ManifestRenderer.render(
            try TranslationFixtures.objects(nodes, task: "train", settings: kueue), as: .json)))
        let mirror = SecretMirror(settings: TranslationFixtures.settings)
        let real: [ManifestRenderer.Object] = [
            .secret(mirror.secret(runID: "r0abc", labels: ["app.kubernetes.io/managed-by": "ame"], name: "storagesecret", value: Data("v".utf8))),
            .secret(mirror.agentSecret(runID: "r0abc", labels: ["app.kubernetes.io/managed-by": "ame"], token: "t")),
        ]
        files.append(try directory.write("secrets-with-data.yaml", try ManifestRenderer.render(real, as: .yaml)))
        // JSON, as the API receives it.
        files.append(try directory.write("gpu-training.json", try ManifestRenderer.render(
            try TranslationFixtures.objects(try TranslationFixtures.parse(PodTranslatorTests.gpuProject), task: "finetune"), as: .json)))
        return files
    }

    static let nodesProject = """
        projectname: distributed
        tasks:
          train:
            runcommand: torchrun --nproc-per-node=1 train.py
            nodes: 4
            resources: {cpu: 2, memory: 8Gi, gpus: 1}
            artifacts: {from: all}
        """

    @Test("every Pod, Service and Secret AME produces passes for 1.30 and the newest version")
    func everythingValidates() async throws {
        let validator = try await Validator.install()
        let directory = try TemporaryDirectory(prefix: "schema")
        let files = try Self.manifests(into: directory)
        let newest = try validator.newestVersion()
        #expect(newest.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes([1, 30]) == false)
        for version in [Self.oldest, newest] {
            let (passed, output) = try await validator.validate(files, version: version)
            #expect(passed, "kubernetes-validate --strict -k \(version):\n\(output)")
            // One line per object: the check really looked at each of them.
            #expect(output.components(separatedBy: " passed for resource ").count - 1 >= files.count, "\(output)")
        }
    }

    @Test("the harness answers with objects of the real shapes (a Pod with its full status)")
    func harnessShapes() async throws {
        let validator = try await Validator.install()
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        var pod = Pod(metadata: ObjectMeta(name: "shape", labels: ["app": "shape"]), spec: PodSpec(containers: [Container(name: "main", image: "busybox:1")]))
        pod.spec.containers[0].command = ["sh", "-c", "echo hi; exit 2"]
        pod.spec.containers[0].resources = Container.ResourceRequirements(requests: ["cpu": "100m"], limits: ["memory": "64Mi"])
        pod.spec.restartPolicy = "Never"
        _ = try await cluster.client.createPod(pod)
        try await cluster.wait("the Pod to fail") { cluster.harness.pod("ame", "shape")?["status"]["phase"].string == "Failed" }
        let fetched = try await cluster.client.getPod("shape")
        #expect(fetched.status?.containerStatuses?.first?.state?.terminated?.exitCode == 2)
        let directory = try TemporaryDirectory(prefix: "schema")
        let raw = try #require(cluster.harness.pod("ame", "shape"))
        let file = try directory.write("harness-pod.json", String(decoding: raw.data(), as: UTF8.self))
        let (passed, output) = try await validator.validate([file], version: try validator.newestVersion())
        #expect(passed, "\(output)")
    }
}
