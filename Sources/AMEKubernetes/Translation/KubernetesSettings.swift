import AMECore
import Foundation

/// How steps become Pods in one cluster: the namespace, the images, how Pods reach the
/// server, and the GPU conventions of the cluster's nodes.
///
/// The server reads them from `AME_KUBERNETES_*` variables (see `init(environment:)`), so
/// the Deployment in `deploy/kubernetes/` (kustomize overlays) sets them in one place.
public struct KubernetesSettings: Hashable, Sendable {
    /// Where Pods and Secrets are made.
    public var namespace: String
    /// The image with the `ame` binary at `/usr/local/bin/ame` (the server's own image).
    public var agentImage: String
    /// The server's own Pod (`AME_KUBERNETES_POD_NAME`, from the downward API) when
    /// `AME_KUBERNETES_AGENT_IMAGE` does not name the agent image: the server then takes
    /// its own image (`adoptOwnImage`), so a deployment names the image once.
    public var ownPod: String?
    /// The image a task runs in when it names none (`image:` in ame.yaml). AME's own default
    /// (`PythonDefault.image`) follows a task's `python:` (`python:3.10-slim` for "3.10").
    public var defaultImage: String

    /// The image of a step that names none, with `python` its `python:`.
    public func image(python: String?) -> String {
        defaultImage == PythonDefault.image && python != nil ? PythonDefault.image(for: python) : defaultImage
    }
    /// The URL Pods reach `ame-server` at (the Service's), given to the agent as `AME_SERVER`.
    /// Nil: the agent uses its default (tests run it against a shared data directory).
    public var serverURL: String?
    /// The extended resource a GPU is requested as.
    public var gpuResource: String
    /// The node label holding each GPU's memory in MiB (NVIDIA GPU Feature Discovery's).
    public var gpuMemoryLabel: String
    /// `vram` matches GPUs reporting at least this fraction of it: drivers report less than
    /// the nominal size (a "24 GB" A10G shows 23028 MiB, 94%).
    public var vramTolerance: Double
    /// Added to Pods that ask for GPUs (GPU nodes are usually tainted so others stay off).
    public var gpuTolerations: [Toleration]
    /// Nil leaves the cluster's default (`IfNotPresent`, or `Always` for `:latest`).
    public var imagePullPolicy: String?
    public var imagePullSecrets: [String]
    /// How long a cancelled step gets between SIGTERM and SIGKILL.
    public var terminationGracePeriodSeconds: Int
    /// The init container fetches blobs and copies one binary: it needs little.
    public var initResources: Container.ResourceRequirements
    /// Kueue's LocalQueue for every step Pod (`kueue.x-k8s.io/queue-name`); the Pods are
    /// gated until Kueue admits them, a multi-node step's as one group. Nil: no Kueue.
    public var kueueQueue: String?
    /// Without Kueue: how long the Pods of a multi-node step may wait for nodes to take
    /// them before the step fails with the scheduler's reason (those already placed would
    /// otherwise hold their nodes while the rest cannot start).
    public var nodesSchedulingTimeoutSeconds: Int = 600

    /// `AME_KUBERNETES_CACHE_VOLUME`: where step Pods keep uv's package cache, AME's tools
    /// and the Python environments they build (keyed as on a local machine), so a project's
    /// second run installs nothing. Nil: each Pod starts from nothing, as before.
    public var cacheVolume: CacheVolume?

    /// A volume shared by step Pods: a PersistentVolumeClaim (ReadWriteMany, so Pods on any
    /// node share it) or a folder of each node (`hostPath:/var/cache/ame`, a cache per node).
    public enum CacheVolume: Hashable, Sendable {
        case claim(String)
        case hostPath(String)

        /// `NAME` (a claim) or `hostPath:/ABSOLUTE/PATH`.
        public init(parsing text: String) throws(InvalidSetting) {
            func invalid(_ problem: String) -> InvalidSetting {
                InvalidSetting(variable: "AME_KUBERNETES_CACHE_VOLUME", value: text, problem: problem)
            }
            if text.hasPrefix("hostPath:") {
                let path = String(text.dropFirst("hostPath:".count))
                guard path.hasPrefix("/"), path.count > 1, !path.split(separator: "/").contains(".."), !path.contains(":") else {
                    throw invalid("must name an absolute folder on the nodes, such as hostPath:/var/cache/ame")
                }
                self = .hostPath(path)
                return
            }
            let dns = text.utf8.count <= 253 && !text.isEmpty && text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
                && text.first.map { $0.isLetter || $0.isNumber } == true && text.last.map { $0.isLetter || $0.isNumber } == true
            guard dns else {
                throw invalid("is neither a PersistentVolumeClaim name (lower-case letters, digits, '-' and '.') nor hostPath:/PATH")
            }
            self = .claim(text)
        }
    }

    /// Mount points inside every step Pod.
    public static let agentDirectory = "/ame"
    public static let workspaceDirectory = "/workspace"
    /// Where the cache volume is mounted in a step's main container: the run's user's own
    /// folder of it (`users/USER`), never another user's.
    public static let cacheDirectory = "/var/cache/ame"

    public init(
        namespace: String = "ame",
        agentImage: String = "ame:latest",
        defaultImage: String = PythonDefault.image,
        serverURL: String? = nil,
        gpuResource: String = "nvidia.com/gpu",
        gpuMemoryLabel: String = "nvidia.com/gpu.memory",
        vramTolerance: Double = 0.9,
        gpuTolerations: [Toleration] = [Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule")],
        imagePullPolicy: String? = nil,
        imagePullSecrets: [String] = [],
        terminationGracePeriodSeconds: Int = 30,
        initResources: Container.ResourceRequirements = Container.ResourceRequirements(
            requests: ["cpu": "100m", "memory": "128Mi"], limits: ["memory": "512Mi"])
    ) {
        self.namespace = namespace
        self.agentImage = agentImage
        self.defaultImage = defaultImage
        self.serverURL = serverURL
        self.gpuResource = gpuResource
        self.gpuMemoryLabel = gpuMemoryLabel
        self.vramTolerance = vramTolerance
        self.gpuTolerations = gpuTolerations
        self.imagePullPolicy = imagePullPolicy
        self.imagePullSecrets = imagePullSecrets
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.initResources = initResources
    }

    public struct InvalidSetting: Error, CustomStringConvertible, Sendable {
        public var variable: String
        public var value: String
        public var problem: String
        public var description: String { "\(variable)='\(value)' \(problem)" }
    }

    /// Defaults overridden by `AME_KUBERNETES_NAMESPACE`, `_AGENT_IMAGE` (else `_POD_NAME`), `_DEFAULT_IMAGE`,
    /// `_SERVER_URL`, `_GPU_RESOURCE`, `_GPU_MEMORY_LABEL`, `_VRAM_TOLERANCE`,
    /// `_IMAGE_PULL_POLICY`, `_IMAGE_PULL_SECRETS` (comma-separated),
    /// `_TERMINATION_GRACE_SECONDS`, `_KUEUE_QUEUE`, `_NODES_SCHEDULING_TIMEOUT_SECONDS` and
    /// `_CACHE_VOLUME`; `fallbackNamespace` (the service account's) comes before the default.
    public init(environment: [String: String], fallbackNamespace: String? = nil) throws(InvalidSetting) {
        self.init()
        func value(_ name: String) -> String? {
            environment["AME_KUBERNETES_" + name].flatMap { $0.isEmpty ? nil : $0 }
        }
        if let namespace = value("NAMESPACE") ?? fallbackNamespace { self.namespace = namespace }
        if let image = value("AGENT_IMAGE") {
            agentImage = image
        } else {
            ownPod = value("POD_NAME")
        }
        if let image = value("DEFAULT_IMAGE") { defaultImage = image }
        serverURL = value("SERVER_URL")
        if let resource = value("GPU_RESOURCE") {
            gpuResource = resource
            gpuTolerations = [Toleration(key: resource, operator: "Exists", effect: "NoSchedule")]
        }
        if let label = value("GPU_MEMORY_LABEL") { gpuMemoryLabel = label }
        if let text = value("VRAM_TOLERANCE") {
            guard let tolerance = Double(text), tolerance > 0, tolerance <= 1 else {
                throw InvalidSetting(variable: "AME_KUBERNETES_VRAM_TOLERANCE", value: text, problem: "must be a fraction in (0, 1], such as 0.9")
            }
            vramTolerance = tolerance
        }
        if let policy = value("IMAGE_PULL_POLICY") {
            guard ["Always", "IfNotPresent", "Never"].contains(policy) else {
                throw InvalidSetting(variable: "AME_KUBERNETES_IMAGE_PULL_POLICY", value: policy, problem: "must be Always, IfNotPresent or Never")
            }
            imagePullPolicy = policy
        }
        if let secrets = value("IMAGE_PULL_SECRETS") {
            imagePullSecrets = secrets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let text = value("TERMINATION_GRACE_SECONDS") {
            guard let seconds = Int(text), seconds >= 0 else {
                throw InvalidSetting(variable: "AME_KUBERNETES_TERMINATION_GRACE_SECONDS", value: text, problem: "must be a whole number of seconds")
            }
            terminationGracePeriodSeconds = seconds
        }
        if let volume = value("CACHE_VOLUME") { cacheVolume = try CacheVolume(parsing: volume) }
        if let queue = value("KUEUE_QUEUE") {
            guard queue.count <= 63, queue.range(of: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#, options: .regularExpression) != nil else {
                throw InvalidSetting(variable: "AME_KUBERNETES_KUEUE_QUEUE", value: queue, problem: "must be the name of a Kueue LocalQueue (lower case letters, digits and '-')")
            }
            kueueQueue = queue
        }
        if let text = value("NODES_SCHEDULING_TIMEOUT_SECONDS") {
            guard let seconds = Int(text), seconds > 0 else {
                throw InvalidSetting(variable: "AME_KUBERNETES_NODES_SCHEDULING_TIMEOUT_SECONDS", value: text, problem: "must be a whole number of seconds, 1 or more")
            }
            nodesSchedulingTimeoutSeconds = seconds
        }
        for (variable, image) in [("AME_KUBERNETES_AGENT_IMAGE", agentImage), ("AME_KUBERNETES_DEFAULT_IMAGE", defaultImage)] {
            do {
                _ = try ImageReference(parsing: image)
            } catch {
                throw InvalidSetting(variable: variable, value: image, problem: "is not an image reference: \(error.message)")
            }
        }
    }
}
