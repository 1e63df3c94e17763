import AMETestSupport
import Foundation
import Testing

@Suite("ame run --dry-run=kubernetes")
struct KubernetesDryRunTests {
    static let yaml = """
        projectname: bestproject
        tasks:
          download_data:
            runcommand: python downloaddata.py
            secrets:
              name: storagesecret
              envkey: STORAGE_SECRET
            env:
              envkey: PROJECT_ENVIRONMENT
              value: production
            resources:
              cpu: 2
              memory: 8Gi
              storage: 50Gi
        """

    @Test("prints the Secrets and the Pod as YAML, values redacted, and submits nothing")
    func yamlOutput() async throws {
        let project = try Project(Self.yaml)
        let result = await project.run(["run", "download_data", "--dry-run=kubernetes", "--env", "EXTRA=1"])
        #expect(result.status == 0, "\(result.stderr)")
        let documents = result.stdout.components(separatedBy: "---\n")
        #expect(documents.count == 3)
        #expect(documents[0].contains("kind: Secret") && documents[0].contains("name: ame-dryrun-agent"))
        #expect(documents[1].contains("kind: Secret") && documents[1].contains("<redacted: value of AME secret storagesecret>"))
        #expect(documents[2].contains("kind: Pod"))
        #expect(documents[2].contains("secretKeyRef:"))
        #expect(documents[2].contains("name: EXTRA"))
        #expect(documents[2].contains("ephemeral-storage: 50Gi"))
        // Nothing was stored: no engine data directory was even made.
        #expect(!FileManager.default.fileExists(atPath: project.url.appendingPathComponent(".local/share/ame").path))
    }

    @Test("-o json prints a v1 List; settings come from AME_KUBERNETES_*")
    func jsonOutput() async throws {
        let project = try Project(Self.yaml)
        let result = await CLIHarness.run(["run", "download_data", "--dry-run", "kubernetes", "-o", "json"], in: project.url,
                                          environment: ["AME_KUBERNETES_NAMESPACE": "ml", "AME_KUBERNETES_DEFAULT_IMAGE": "python:3.11"])
        #expect(result.status == 0, "\(result.stderr)")
        let list = try jsonObject(result.stdout)
        #expect(list["kind"] as? String == "List")
        let items = try #require(list["items"] as? [[String: Any]])
        #expect(items.map { $0["kind"] as? String } == ["Secret", "Secret", "Pod"])
        let pod = items[2]
        #expect((pod["metadata"] as? [String: Any])?["namespace"] as? String == "ml")
        let containers = try #require((pod["spec"] as? [String: Any])?["containers"] as? [[String: Any]])
        #expect(containers.first?["image"] as? String == "python:3.11")
    }

    @Test("a port asked for as 0 becomes a real port in the Pod, as the engine chooses one when the run starts")
    func portZero() async throws {
        let project = try Project("projectname: p\ntasks:\n  board:\n    runcommand: tensorboard --port $AME_PORT\n    ports: [0]\n")
        let result = await project.run(["run", "board", "--dry-run=kubernetes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("- containerPort: "), "\(result.stdout)")
        #expect(!result.stdout.contains("containerPort: 0\n"), "\(result.stdout)")
    }

    @Test("nodes: 4 renders the attempt's headless Service and NetworkPolicy, then a Pod per node told where rank 0 is")
    func nodes() async throws {
        let project = try Project("projectname: p\ntasks:\n  train:\n    runcommand: torchrun --nproc-per-node=1 train.py\n    nodes: 4\n")
        let result = await project.run(["run", "train", "--dry-run=kubernetes", "-o", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let items = try #require(try jsonObject(result.stdout)["items"] as? [[String: Any]])
        #expect(items.map { $0["kind"] as? String } == ["Secret", "Service", "NetworkPolicy", "Pod", "Pod", "Pod", "Pod"])
        let service = try #require((items[1]["metadata"] as? [String: Any])?["name"] as? String)
        for (rank, pod) in items.dropFirst(3).enumerated() {
            let spec = try #require(pod["spec"] as? [String: Any])
            #expect(spec["subdomain"] as? String == service)
            let env = try #require((spec["containers"] as? [[String: Any]])?.first?["env"] as? [[String: Any]])
            let value = { (name: String) in env.first { $0["name"] as? String == name }?["value"] as? String }
            #expect(value("PET_NODE_RANK") == String(rank) && value("RANK") == String(rank))
            #expect(value("PET_NNODES") == "4" && value("WORLD_SIZE") == "4")
            #expect(value("MASTER_ADDR") == "\(spec["hostname"] as? String ?? "").\(service)".replacingOccurrences(of: "-n\(rank).", with: "-n0."))
            #expect(value("PET_MASTER_PORT") == "29500")
        }
    }

    @Test("an unknown target or format is a usage error")
    func badValues() async throws {
        let project = try Project(Self.yaml)
        #expect(await project.run(["run", "download_data", "--dry-run=docker"]).status != 0)
        #expect(await project.run(["run", "download_data", "--dry-run=kubernetes", "-o", "xml"]).status != 0)
    }
}
