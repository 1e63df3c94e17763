import Foundation

/// Where the Kubernetes API is and how AME proves who it is: in a cluster, the Pod's
/// service account; elsewhere, a kubeconfig context.
public struct KubernetesConfiguration: Sendable {
    /// `https://host:port` (no trailing slash).
    public var server: URL
    /// PEM certificates to trust for the API server; nil means the system's roots.
    public var certificateAuthority: [UInt8]?
    public var insecureSkipTLSVerify: Bool
    public var credentials: Credentials
    /// The namespace the configuration names (the service account's, or the context's).
    public var namespace: String?
    /// Where this came from, for messages: "the in-cluster service account",
    /// "kubeconfig /root/.kube/config (context kind-ame)".
    public var source: String

    public enum Credentials: Sendable {
        case none
        case bearerToken(String)
        /// Re-read on every request: projected service-account tokens are rotated.
        case tokenFile(String)
        case clientCertificate(certificate: [UInt8], key: [UInt8])
        /// A credential plugin (`users[].user.exec`, as EKS and GKE use).
        case exec(ExecCredentialPlugin)
    }

    public init(server: URL, certificateAuthority: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false,
                credentials: Credentials, namespace: String? = nil, source: String) {
        self.server = server
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var hint: String?
        public var description: String { message + (hint.map { " (hint: \($0))" } ?? "") }

        init(_ message: String, hint: String? = nil) {
            self.message = message
            self.hint = hint
        }
    }

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The Pod's own service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, and the token,
    /// CA and namespace Kubernetes mounts into every Pod that has them.
    public static func inCluster(environment: [String: String], directory: String = serviceAccountDirectory) throws(LoadError) -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw LoadError("not running in a Kubernetes Pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)",
                            hint: "outside a cluster, pass --kubeconfig FILE or set KUBECONFIG")
        }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw LoadError("the service account token \(tokenPath) is missing",
                            hint: "the Pod needs a service account with automountServiceAccountToken (deploy/kubernetes/overlays/kubernetes-executor has one)")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "https://\(hostPart):\(port)") else {
            throw LoadError("KUBERNETES_SERVICE_HOST='\(host)' and KUBERNETES_SERVICE_PORT='\(port)' do not make a URL")
        }
        let ca = FileManager.default.contents(atPath: directory + "/ca.crt").map { [UInt8]($0) }
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return KubernetesConfiguration(server: url, certificateAuthority: ca, credentials: .tokenFile(tokenPath),
                                       namespace: namespace?.isEmpty == false ? namespace : nil,
                                       source: "the in-cluster service account")
    }

    /// The configuration to use, in client-go's order: `--kubeconfig`, then `$KUBECONFIG`
    /// (a `:`-separated list, merged), then the Pod's service account, then
    /// `~/.kube/config`. `context` picks a context other than the current one.
    public static func resolve(kubeconfig: String?, context: String?, environment: [String: String]) throws(LoadError) -> KubernetesConfiguration {
        if let kubeconfig, !kubeconfig.isEmpty {
            return try Kubeconfig.load(paths: [kubeconfig]).configuration(context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            return try Kubeconfig.load(paths: paths).configuration(context: context)
        }
        if environment["KUBERNETES_SERVICE_HOST"].map({ !$0.isEmpty }) == true, context == nil {
            return try inCluster(environment: environment)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let fallback = home + "/.kube/config"
        guard FileManager.default.fileExists(atPath: fallback) else {
            throw LoadError("no Kubernetes configuration found: no --kubeconfig, no KUBECONFIG, not in a cluster, and no \(fallback)",
                            hint: "pass --kubeconfig FILE, or run ame-server in the cluster with deploy/kubernetes/overlays/kubernetes-executor")
        }
        return try Kubeconfig.load(paths: [fallback]).configuration(context: context)
    }
}
