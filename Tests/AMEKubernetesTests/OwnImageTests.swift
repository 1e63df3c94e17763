@testable import AMEKubernetes
import AMETestSupport
import Foundation
import Testing

/// The server names its image once (deploy/kubernetes's kustomization): with
/// AME_KUBERNETES_POD_NAME and no AME_KUBERNETES_AGENT_IMAGE it reads its own Pod and
/// gives step Pods that image.
@Suite("The agent image from the server's own Pod", .serialized)
struct OwnImageTests {
    func serverPod(_ name: String, image: String) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: name, labels: ["app": "own-image"]),
                      spec: PodSpec(containers: [Container(name: "sidecar", image: "busybox:1"), Container(name: "ame-server", image: image)]))
        pod.spec.containers[0].command = ["sh", "-c", "exit 0"]
        pod.spec.containers[1].command = ["sh", "-c", "exit 0"]
        pod.spec.restartPolicy = "Never"
        return pod
    }

    @Test("AME_KUBERNETES_POD_NAME: the image of the Pod's ame-server container becomes the agent image")
    func adoptsOwnImage() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        _ = try await cluster.client.createPod(serverPod("ame-server-7f9c", image: "registry.example.com/team/ame:0.3.1"))
        var settings = try KubernetesSettings(environment: ["AME_KUBERNETES_POD_NAME": "ame-server-7f9c"])
        #expect(settings.ownPod == "ame-server-7f9c")
        try await settings.adoptOwnImage(client: cluster.client)
        #expect(settings.agentImage == "registry.example.com/team/ame:0.3.1")
    }

    @Test("AME_KUBERNETES_AGENT_IMAGE wins over the Pod's own image")
    func explicitImageWins() throws {
        let settings = try KubernetesSettings(environment: ["AME_KUBERNETES_POD_NAME": "ame-server-7f9c",
                                                            "AME_KUBERNETES_AGENT_IMAGE": "registry.example.com/ame:pinned"])
        #expect(settings.ownPod == nil)
        #expect(settings.agentImage == "registry.example.com/ame:pinned")
    }

    @Test("a Pod that cannot be read is an error naming both variables")
    func missingPod() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        var settings = try KubernetesSettings(environment: ["AME_KUBERNETES_POD_NAME": "no-such-pod"])
        do {
            try await settings.adoptOwnImage(client: cluster.client)
            Issue.record("reading a missing Pod succeeded")
        } catch {
            #expect(error.description.contains("AME_KUBERNETES_POD_NAME='no-such-pod'"), "\(error)")
            #expect(error.description.contains("set AME_KUBERNETES_AGENT_IMAGE"), "\(error)")
        }
    }
}
