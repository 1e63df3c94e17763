/// A failed call to the Kubernetes API, as a sentence that names the object and what AME
/// was doing, with a hint at the likely fix.
public struct KubernetesError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// 401: the credentials were not accepted.
        case unauthorized
        /// 403: RBAC (or an admission policy) does not allow it.
        case forbidden
        /// 404
        case notFound
        /// 409: the object exists already (or changed under us).
        case conflict
        /// 410: a watch's resource version is too old.
        case expired
        /// 422 (and 400): the object was rejected as invalid.
        case invalid
        /// 429 or 5xx, still failing after the retries.
        case unavailable
        /// No answer: connection refused, TLS failure, timeout.
        case transport
        /// An answer AME could not read.
        case unexpected
    }

    public var kind: Kind
    /// The HTTP status, if the API answered.
    public var statusCode: Int?
    /// The API's `Status`, if it sent one.
    public var status: KubernetesStatus?
    public var message: String
    public var hint: String?

    public var description: String {
        message + (hint.map { " (hint: \($0))" } ?? "")
    }

    /// What AME was doing: "create pod 'ame-r1-train-1' in namespace 'ame'".
    public struct Operation: Sendable {
        public var verb: String
        public var resource: String
        public var name: String?
        public var namespace: String

        public init(verb: String, resource: String, name: String?, namespace: String) {
            self.verb = verb
            self.resource = resource
            self.name = name
            self.namespace = namespace
        }

        /// "pod 'x'" or "pods".
        var object: String {
            let singular = resource.hasSuffix("s") ? String(resource.dropLast()) : resource
            return name.map { "\(singular) '\($0)'" } ?? resource
        }

        var sentence: String { "\(verb) \(object) in namespace '\(namespace)'" }
    }

    /// The error for an HTTP answer other than success.
    static func from(statusCode: Int, status: KubernetesStatus?, body: String, operation: Operation, source: String, attempts: Int) -> KubernetesError {
        let said = status?.message ?? (body.isEmpty ? "no explanation" : String(body.prefix(300)))
        let resource = operation.resource
        switch statusCode {
        case 401:
            return KubernetesError(kind: .unauthorized, statusCode: 401, status: status,
                                   message: "the Kubernetes API did not accept AME's credentials (\(source)) when asked to \(operation.sentence)",
                                   hint: "check the token or client certificate of \(source); a service account token may have been revoked")
        case 403:
            return KubernetesError(kind: .forbidden, statusCode: 403, status: status,
                                   message: "Kubernetes does not allow AME to \(operation.sentence): \(said)",
                                   hint: "give AME's service account the Role in deploy/kubernetes/overlays/kubernetes-executor (check with 'kubectl auth can-i \(operation.verb) \(resource) -n \(operation.namespace)')")
        case 404:
            if status?.details?.kind == "namespaces" || said.contains("namespaces \"") {
                return KubernetesError(kind: .notFound, statusCode: 404, status: status,
                                       message: "the namespace '\(operation.namespace)' does not exist, so AME cannot \(operation.sentence)",
                                       hint: "create it ('kubectl apply -k deploy/kubernetes/overlays/kubernetes-executor') or set AME_KUBERNETES_NAMESPACE")
            }
            return KubernetesError(kind: .notFound, statusCode: 404, status: status,
                                   message: "\(operation.object) does not exist in namespace '\(operation.namespace)' (asked to \(operation.verb) it)",
                                   hint: "it may have been deleted outside AME (kubectl delete, a namespace cleanup)")
        case 409:
            return KubernetesError(kind: .conflict, statusCode: 409, status: status,
                                   message: "\(operation.object) already exists in namespace '\(operation.namespace)' (asked to \(operation.verb) it): \(said)",
                                   hint: nil)
        case 410:
            return KubernetesError(kind: .expired, statusCode: 410, status: status,
                                   message: "the Kubernetes API no longer has the history needed to \(operation.sentence): \(said)",
                                   hint: "AME lists again and continues from there")
        case 400, 422:
            let causes = (status?.details?.causes ?? []).map { cause in
                [cause.field, cause.message].compactMap { $0 }.joined(separator: ": ")
            }
            let detail = causes.isEmpty ? said : causes.joined(separator: "; ")
            return KubernetesError(kind: .invalid, statusCode: statusCode, status: status,
                                   message: "Kubernetes rejected \(operation.object) as invalid: \(detail)",
                                   hint: "see what AME sends with 'ame run TASK --dry-run=kubernetes'; a cluster policy may also forbid it")
        case 429, 500...599:
            return KubernetesError(kind: .unavailable, statusCode: statusCode, status: status,
                                   message: "the Kubernetes API answered \(statusCode) (\(said)) \(attempts) time\(attempts == 1 ? "" : "s") when asked to \(operation.sentence)",
                                   hint: "the API server is overloaded or down; AME retried with back-off and gave up")
        default:
            return KubernetesError(kind: .unexpected, statusCode: statusCode, status: status,
                                   message: "the Kubernetes API answered \(statusCode) when asked to \(operation.sentence): \(said)",
                                   hint: nil)
        }
    }

    static func transport(_ error: any Error, server: String, operation: Operation, source: String, attempts: Int) -> KubernetesError {
        KubernetesError(kind: .transport, statusCode: nil, status: nil,
                        message: "cannot reach the Kubernetes API at \(server) to \(operation.sentence) (\(attempts) attempt\(attempts == 1 ? "" : "s")): \(error)",
                        hint: "check the server address and CA in \(source), and that the cluster is up")
    }
}
