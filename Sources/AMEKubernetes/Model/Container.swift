/// A container of a Pod: the init container (AME's image) or the step's own.
public struct Container: Codable, Hashable, Sendable {
    public var name: String
    public var image: String
    public var imagePullPolicy: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var env: [EnvVar]?
    /// The ports a service listens on (informational in Kubernetes, but what `kubectl`,
    /// network policies and people reading the Pod go by).
    public var ports: [ContainerPort]?
    public var resources: ResourceRequirements?
    public var volumeMounts: [VolumeMount]?
    public var terminationMessagePath: String?
    public var terminationMessagePolicy: String?

    public init(name: String, image: String) {
        self.name = name
        self.image = image
    }

    public struct ContainerPort: Codable, Hashable, Sendable {
        public var containerPort: Int
        /// At most 15 lowercase letters, digits and dashes (an IANA service name).
        public var name: String?
        public var `protocol`: String?

        public init(containerPort: Int, name: String? = nil) {
            self.containerPort = containerPort
            self.name = name
            self.protocol = "TCP"
        }
    }

    /// An environment variable: a literal `value`, or `valueFrom` a Secret's key or a field
    /// of the Pod (the downward API).
    public struct EnvVar: Codable, Hashable, Sendable {
        public var name: String
        public var value: String?
        public var valueFrom: EnvVarSource?

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        public init(name: String, secret: String, key: String) {
            self.name = name
            self.valueFrom = EnvVarSource(secretKeyRef: SecretKeySelector(name: secret, key: key))
        }

        public init(name: String, field: String) {
            self.name = name
            self.valueFrom = EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: field))
        }
    }

    public struct EnvVarSource: Codable, Hashable, Sendable {
        public var secretKeyRef: SecretKeySelector?
        public var fieldRef: ObjectFieldSelector?

        public init(secretKeyRef: SecretKeySelector? = nil, fieldRef: ObjectFieldSelector? = nil) {
            self.secretKeyRef = secretKeyRef
            self.fieldRef = fieldRef
        }
    }

    /// A field of the Pod, such as `status.podIP`.
    public struct ObjectFieldSelector: Codable, Hashable, Sendable {
        public var fieldPath: String
    }

    public struct SecretKeySelector: Codable, Hashable, Sendable {
        public var name: String
        public var key: String
        public var optional: Bool?
    }

    public struct VolumeMount: Codable, Hashable, Sendable {
        public var name: String
        public var mountPath: String
        public var readOnly: Bool?
        /// A folder inside the volume mounted instead of its root.
        public var subPath: String?

        public init(name: String, mountPath: String, readOnly: Bool? = nil) {
            self.name = name
            self.mountPath = mountPath
            self.readOnly = readOnly
        }
    }

    /// `requests` and `limits`, quantities as text (`"2"`, `"8Gi"`).
    public struct ResourceRequirements: Codable, Hashable, Sendable {
        public var requests: [String: String]?
        public var limits: [String: String]?

        public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
            self.requests = requests
            self.limits = limits
        }
    }
}
