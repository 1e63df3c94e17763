import AMECore
@testable import AMEKubernetes
import AMETestSupport
import Foundation
import KubernetesHarness
import Testing

@Suite("Kubernetes API client against the harness")
struct KubernetesClientTests {
    static func secret(_ name: String, _ value: String) -> Secret {
        Secret(metadata: ObjectMeta(name: name, labels: ["app.kubernetes.io/managed-by": "ame"]), data: ["value": Data(value.utf8)])
    }

    @Test("Secrets: create, AlreadyExists, replace, delete; errors name the object")
    func secrets() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let client = cluster.client
        let created = try await client.createSecret(Self.secret("ame-r1-secret-db", "one"))
        #expect(created.metadata.uid != nil && created.metadata.resourceVersion != nil)
        await #expect {
            _ = try await client.createSecret(Self.secret("ame-r1-secret-db", "two"))
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .conflict && error.statusCode == 409
                && error.message.hasPrefix("secret 'ame-r1-secret-db' already exists in namespace 'ame' (asked to create it)")
        }
        try await client.applySecret(Self.secret("ame-r1-secret-db", "three"))
        let stored = try #require(cluster.harness.secrets("ame").first)
        #expect(stored["data"]["value"].string == Data("three".utf8).base64EncodedString())
        #expect(try await client.deleteSecret("ame-r1-secret-db"))
        #expect(try await client.deleteSecret("ame-r1-secret-db") == false)
    }

    @Test("404, 422 and 401 become sentences with hints")
    func errorSentences() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        await #expect {
            _ = try await cluster.client.getPod("nope")
        } throws: { error in
            "\(error)" == "pod 'nope' does not exist in namespace 'ame' (asked to get it) (hint: it may have been deleted outside AME (kubectl delete, a namespace cleanup))"
        }
        var bad = Pod(metadata: ObjectMeta(name: "Bad_Name"), spec: PodSpec(containers: [Container(name: "main", image: "")]))
        bad.spec.restartPolicy = "Never"
        await #expect {
            _ = try await cluster.client.createPod(bad)
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .invalid && error.statusCode == 422
                && error.message.contains("Kubernetes rejected pod 'Bad_Name' as invalid: metadata.name: Invalid value")
                && error.message.contains("spec.containers[0].image: Required value")
                && error.hint?.contains("--dry-run=kubernetes") == true
        }
        var configuration = cluster.client.configuration
        configuration.credentials = .bearerToken("wrong")
        let stranger = try KubernetesClient(configuration: configuration)
        defer { Task { await stranger.shutdown() } }
        await #expect {
            _ = try await stranger.listPods(labelSelector: "app.kubernetes.io/managed-by=ame")
        } throws: { error in
            (error as? KubernetesError)?.kind == .unauthorized && "\(error)".contains("did not accept AME's credentials")
        }
    }

    @Test("403 names the verb and resource the Role lacks")
    func forbidden() async throws {
        let roles = try TemporaryDirectory(prefix: "role")
        let narrow = try roles.write("role.yaml", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: narrow, namespace: ame}
            rules:
              - apiGroups: [""]
                resources: ["pods"]
                verbs: ["get", "list"]
            """)
        let cluster = try await ClusterFixture(role: narrow)
        defer { Task { await cluster.shutdown() } }
        await #expect {
            _ = try await cluster.client.createSecret(Self.secret("ame-r3-agent", "x"))
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .forbidden
                && error.message == "Kubernetes does not allow AME to create secret 'ame-r3-agent' in namespace 'ame': secrets is forbidden: User \"system:serviceaccount:ame:ame-server\" cannot create resource \"secrets\" in API group \"\" in the namespace \"ame\""
                && error.hint?.contains("kubectl auth can-i create secrets -n ame") == true
        }
        await #expect {
            for try await _ in cluster.client.podLog("p", container: "main", follow: true) {}
        } throws: { error in
            (error as? KubernetesError)?.kind == .forbidden && "\(error)".contains("cannot get resource \"pods/log\"")
        }
    }

    @Test("429 and 5xx are retried with back-off, then given up on with a sentence")
    func retries() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        cluster.harness.failNext(2, status: 503, method: "POST", pathContains: "/secrets")
        _ = try await cluster.client.createSecret(Self.secret("ame-r2-secret-a", "x"))
        #expect(cluster.harness.requests.filter { $0.method == "POST" }.count == 3)

        cluster.harness.failNext(10, status: 429, method: "DELETE")
        await #expect {
            _ = try await cluster.client.deleteSecret("ame-r2-secret-a")
        } throws: { error in
            guard let error = error as? KubernetesError else { return false }
            return error.kind == .unavailable && error.message.contains("answered 429") && error.message.contains("4 times")
        }
    }

    @Test("a client certificate from the kubeconfig authenticates; an unknown CA is refused")
    func clientCertificate() async throws {
        let directory = try TemporaryDirectory(prefix: "mtls")
        var options = FakeKubernetes.Options()
        options.pki = try await TestPKI(directory: directory.url.appendingPathComponent("pki"))
        options.requireClientCertificate = true
        let harness = FakeKubernetes(options: options, scratch: directory.url.appendingPathComponent("node"))
        _ = try await harness.start()
        defer { Task { await harness.stop() } }
        let file = try directory.write("kubeconfig", try harness.kubeconfig(token: nil))
        let client = try KubernetesClient(configuration: try KubernetesConfiguration.resolve(kubeconfig: file.path, context: nil, environment: [:]))
        defer { Task { await client.shutdown() } }
        let list = try await client.listPods(labelSelector: "app.kubernetes.io/managed-by=ame")
        #expect(list.items.isEmpty && list.metadata.resourceVersion != nil)

        var untrusted = client.configuration
        untrusted.certificateAuthority = nil
        let stranger = try KubernetesClient(configuration: untrusted, backoff: Backoff(attempts: 1))
        defer { Task { await stranger.shutdown() } }
        await #expect {
            _ = try await stranger.listPods(labelSelector: "a=b")
        } throws: { error in
            (error as? KubernetesError)?.kind == .transport && "\(error)".contains("cannot reach the Kubernetes API at https://127.0.0.1")
        }
    }

    @Test("watch: events after a resource version; 410 once the history is gone")
    func watch() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let list = try await cluster.client.listPods(labelSelector: "app=x")
        _ = try await cluster.client.createSecret(Self.secret("unrelated", "x"))
        var pod = Pod(metadata: ObjectMeta(name: "w1", labels: ["app": "x"]), spec: PodSpec(containers: [Container(name: "main", image: "busybox")]))
        pod.spec.containers[0].command = ["true"]
        pod.spec.restartPolicy = "Never"
        _ = try await cluster.client.createPod(pod)
        var kinds: [WatchEvent<Pod>.Kind] = []
        for try await event in cluster.client.watchPods(labelSelector: "app=x", resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 2) {
            kinds.append(event.kind)
            if event.object?.status?.phase == "Succeeded" { break }
        }
        #expect(kinds.first == .added)
        #expect(kinds.dropFirst().allSatisfy { $0 == .modified })

        cluster.harness.compactHistory()
        var expired: KubernetesStatus?
        for try await event in cluster.client.watchPods(labelSelector: "app=x", resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 2) {
            if event.kind == .error { expired = event.status }
        }
        #expect(expired?.code == 410 && expired?.reason == "Expired")
    }
}
