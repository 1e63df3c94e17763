@testable import AMEKubernetes
import AMETestSupport
import Foundation
import Testing

@Suite("Kubernetes configuration: kubeconfig and in-cluster")
struct KubeconfigTests {
    @Test("the current context's server, CA data, token and namespace")
    func currentContext() throws {
        let directory = try TemporaryDirectory(prefix: "kubeconfig")
        let ca = Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8)
        let file = try directory.write("config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: prod
              cluster:
                server: https://203.0.113.10:6443/
                certificate-authority-data: \(ca.base64EncodedString())
            - name: dev
              cluster: {server: https://dev.example:6443, insecure-skip-tls-verify: true}
            users:
            - name: alice
              user: {token: abc123}
            - name: bot
              user: {client-certificate: certs/bot.crt, client-key: certs/bot.key}
            contexts:
            - name: prod
              context: {cluster: prod, user: alice, namespace: ml}
            - name: dev
              context: {cluster: dev, user: bot}
            current-context: prod
            """)
        try directory.write("certs/bot.crt", "CERT")
        try directory.write("certs/bot.key", "KEY")
        let prod = try KubernetesConfiguration.resolve(kubeconfig: file.path, context: nil, environment: [:])
        #expect(prod.server.absoluteString == "https://203.0.113.10:6443")
        #expect(prod.certificateAuthority == [UInt8](ca))
        #expect(prod.namespace == "ml")
        guard case .bearerToken("abc123") = prod.credentials else { Issue.record("expected the token"); return }
        #expect(prod.source.contains("context prod"))

        // Another context, with files relative to the kubeconfig.
        let dev = try KubernetesConfiguration.resolve(kubeconfig: file.path, context: "dev", environment: [:])
        #expect(dev.insecureSkipTLSVerify)
        guard case .clientCertificate(let certificate, let key) = dev.credentials else { Issue.record("expected a client certificate"); return }
        #expect(certificate == Array("CERT".utf8) && key == Array("KEY".utf8))
    }

    @Test("KUBECONFIG lists files; the first to define a name or the current context wins")
    func merged() throws {
        let directory = try TemporaryDirectory(prefix: "kubeconfig")
        let first = try directory.write("a", """
            clusters: [{name: c, cluster: {server: https://first:6443}}]
            users: [{name: u, user: {token: first}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """)
        let second = try directory.write("b", """
            clusters: [{name: c, cluster: {server: https://second:6443}}]
            contexts: [{name: y, context: {cluster: c, user: u, namespace: other}}]
            current-context: y
            """)
        let configuration = try KubernetesConfiguration.resolve(kubeconfig: nil, context: nil,
                                                                environment: ["KUBECONFIG": "\(first.path):\(second.path):/nonexistent"])
        #expect(configuration.server.host == "first")
        #expect(configuration.namespace == "other")
    }

    @Test("problems are sentences that say what to do")
    func errors() throws {
        let directory = try TemporaryDirectory(prefix: "kubeconfig")
        let file = try directory.write("config", """
            clusters: [{name: c, cluster: {server: https://k:6443}}]
            contexts: [{name: x, context: {cluster: c}}]
            """)
        #expect {
            try KubernetesConfiguration.resolve(kubeconfig: file.path, context: nil, environment: [:])
        } throws: { error in
            "\(error)".contains("has no current context") && "\(error)".contains("kubectl config use-context")
        }
        #expect {
            try KubernetesConfiguration.resolve(kubeconfig: file.path, context: "nope", environment: [:])
        } throws: { error in
            "\(error)".contains("no context 'nope'") && "\(error)".contains("contexts: x")
        }
        #expect {
            try KubernetesConfiguration.resolve(kubeconfig: directory.file("missing").path, context: nil, environment: [:])
        } throws: { error in
            "\(error)".contains("does not exist")
        }
        #expect {
            try KubernetesConfiguration.resolve(kubeconfig: nil, context: nil, environment: ["HOME": directory.path])
        } throws: { error in
            "\(error)".contains("no Kubernetes configuration found") && "\(error)".contains("--kubeconfig")
        }
    }

    @Test("in a Pod: the service account's token file, CA and namespace, and KUBERNETES_SERVICE_HOST/PORT")
    func inCluster() throws {
        let directory = try TemporaryDirectory(prefix: "serviceaccount")
        try directory.write("token", "tok\n")
        try directory.write("ca.crt", "CA")
        try directory.write("namespace", "ame\n")
        let configuration = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: directory.path)
        #expect(configuration.server.absoluteString == "https://10.96.0.1:443")
        #expect(configuration.namespace == "ame")
        #expect(configuration.certificateAuthority == Array("CA".utf8))
        guard case .tokenFile(let path) = configuration.credentials else { Issue.record("expected the token file"); return }
        #expect(path == directory.file("token").path)
        #expect(throws: KubernetesConfiguration.LoadError.self) {
            try KubernetesConfiguration.inCluster(environment: [:], directory: directory.path)
        }
    }

    @Test("an exec credential plugin's token is used and cached until it expires")
    func execPlugin() async throws {
        let directory = try TemporaryDirectory(prefix: "exec")
        let counter = directory.file("calls")
        let script = try directory.write("plugin", """
            #!/bin/sh
            echo x >> '\(counter.path)'
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin","expirationTimestamp":"2999-01-01T00:00:00Z"}}'
            """, mode: 0o755)
        let plugin = ExecCredentialPlugin(command: script.path, arguments: [], environment: [:],
                                          apiVersion: "client.authentication.k8s.io/v1", installHint: nil)
        #expect(try await plugin.token() == "from-plugin")
        #expect(try await plugin.token() == "from-plugin")
        #expect(try String(contentsOf: counter, encoding: .utf8) == "x\n")
    }
}
