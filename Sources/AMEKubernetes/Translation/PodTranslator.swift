import AMECore
import AMEEngine
import Foundation

/// Turns one step attempt into the Pod that runs it. Pure: the same request
/// and settings always give the same Pod, which the golden tests pin down.
///
/// The Pod, in short:
/// - `restartPolicy: Never` (AME decides about retries), labels
///   `app.kubernetes.io/managed-by: ame`, `ame.dev/run|task|project|step|attempt`, the
///   exact names again as annotations (labels may have had to be shortened or hashed).
/// - Init container `ame-init` (the AME image): `ame agent init` copies the agent binary
///   into the `ame` emptyDir and fetches the project's files into the `workspace` emptyDir.
/// - Container `main` (the task's `image`, else the default): `/ame/bin/ame agent exec`
///   prepares Python as the local executor does, runs the command in `/workspace`, uploads
///   what it produced and writes the result to its termination message.
/// - With `AME_KUBERNETES_CACHE_VOLUME`, the volume `ame-cache` (the claim, or the node's
///   folder), mounted at `/var/cache/ame` in the main container from its `users/USER`
///   folder, and `--cache-dir` pointing the agent's uv cache, tools and environments there.
/// - A service's ports as the main container's `ports`, and the variables a service listens
///   by: `AME_PORT` (the first), `AME_PORT_<NAME>`, `AME_SERVICE_HOST=0.0.0.0` (the server
///   dials the Pod's IP, so loopback would not do) and `AME_POD_IP` from the downward API.
/// - Env as literals (`$` written `$$`, so the kubelet's `$(VAR)` expansion leaves them
///   as written, in the command too); each AME secret as `valueFrom.secretKeyRef` on the run's copy of it
///   (`SecretMirror`), so no secret value is ever in the Pod spec; the agent's token the same.
/// - For one node of a multi-node step: `-n<rank>` on its name, `ame.dev/node`, the Pod's
///   name as its `hostname` under the attempt's headless Service (`subdomain`; see `service`
///   and `networkPolicy`), and the node contract (`NodeRank.environment`) last in its env.
/// - With a Kueue queue: its `queue-name` label and admission gate; a node's Pod also its
///   pod group (the attempt) and the group's size.
/// - cpu and memory as requests and equal limits, `storage` as `ephemeral-storage`, `gpus`
///   as the GPU resource with its toleration, `vram` as a node affinity on the GPU memory
///   label, `timeout` as `activeDeadlineSeconds`.
public struct PodTranslator: Sendable {
    public var settings: KubernetesSettings

    public init(settings: KubernetesSettings) {
        self.settings = settings
    }

    public static let initContainerName = "ame-init"
    public static let cacheVolumeName = "ame-cache"
    public static let mainContainerName = "main"
    /// The agent writes its `AgentResult` here; Kubernetes returns it as the main
    /// container's termination message.
    public static let resultPath = KubernetesSettings.agentDirectory + "/termination-log"
    /// Key of the agent token in the run's agent Secret.
    public static let tokenKey = "token"
    /// Variables the agent reads; a task's env cannot replace them.
    public static let reservedVariables: Set<String> = ["AME_SERVER", "AME_TOKEN"]

    public func pod(for request: StepPodRequest) -> Pod {
        let name = KubernetesNames.podName(runID: request.runID, step: request.step.name, attempt: request.attempt, node: request.node?.rank)
        var metadata = ObjectMeta(name: name, namespace: settings.namespace, labels: Self.labels(for: request),
                                  annotations: Self.annotations(for: request))
        metadata.labels?[Labels.step] = KubernetesNames.labelValue(request.step.name)
        metadata.labels?[Labels.attempt] = String(request.attempt)
        if let node = request.node { metadata.labels?[Labels.node] = String(node.rank) }
        if let queue = settings.kueueQueue {
            metadata.labels?[Kueue.queueLabel] = queue
            if let node = request.node {
                // The nodes are admitted as one group, whole or not at all.
                metadata.labels?[Kueue.groupLabel] = KubernetesNames.serviceName(runID: request.runID, step: request.step.name, attempt: request.attempt)
                metadata.annotations?[Kueue.groupCountAnnotation] = String(node.count)
            }
        }

        var spec = PodSpec(containers: [Self.literal(mainContainer(for: request))])
        spec.restartPolicy = "Never"
        spec.activeDeadlineSeconds = request.timeoutSeconds
        spec.terminationGracePeriodSeconds = settings.terminationGracePeriodSeconds
        spec.automountServiceAccountToken = false
        spec.enableServiceLinks = false
        spec.initContainers = [Self.literal(initContainer(for: request))]
        spec.volumes = [Volume(name: "ame"), Volume(name: "workspace")]
        switch settings.cacheVolume {
        case .claim(let claim)?: spec.volumes?.append(Volume(name: Self.cacheVolumeName, claim: claim))
        case .hostPath(let path)?: spec.volumes?.append(Volume(name: Self.cacheVolumeName, hostPath: path))
        case nil: break
        }
        if !settings.imagePullSecrets.isEmpty {
            spec.imagePullSecrets = settings.imagePullSecrets.map(LocalObjectReference.init(name:))
        }
        if let gpus = request.resources.gpus, gpus > 0 {
            spec.tolerations = settings.gpuTolerations
        }
        if request.node != nil {
            // Found by the others at NAME.SERVICE (the attempt's headless Service).
            spec.hostname = name
            spec.subdomain = KubernetesNames.serviceName(runID: request.runID, step: request.step.name, attempt: request.attempt)
        }
        if settings.kueueQueue != nil {
            spec.schedulingGates = [SchedulingGate(name: Kueue.admissionGate)]
        }
        if let vram = request.resources.vram {
            let mebibytes = Double(vram.wholeUnits) / 1_048_576
            let least = Int64((mebibytes * settings.vramTolerance).rounded(.down))
            // `Gt` is the only "at least" there is: more than least − 1 MiB.
            spec.affinity = Affinity(nodeAffinity: Affinity.NodeAffinity(required: Affinity.NodeSelector(nodeSelectorTerms: [
                Affinity.NodeSelectorTerm(matchExpressions: [
                    Affinity.NodeSelectorRequirement(key: settings.gpuMemoryLabel, operator: "Gt", values: [String(max(0, least - 1))]),
                ]),
            ])))
        }
        return Pod(metadata: metadata, spec: spec)
    }

    /// For a step on several nodes, the headless Service of the attempt: it gives each node's
    /// Pod the name `POD.SERVICE` (`nodeAddresses`), published as soon as the Pod has an IP.
    public func service(for request: StepPodRequest) -> Service? {
        guard let node = request.node else { return nil }
        let name = KubernetesNames.serviceName(runID: request.runID, step: request.step.name, attempt: request.attempt)
        var labels = Self.labels(for: request)
        labels[Labels.step] = KubernetesNames.labelValue(request.step.name)
        labels[Labels.attempt] = String(request.attempt)
        let selector = Self.attemptLabels(for: request)
        return Service(metadata: ObjectMeta(name: name, namespace: settings.namespace, labels: labels, annotations: Self.annotations(for: request)),
                       spec: ServiceSpec(clusterIP: "None", selector: selector, publishNotReadyAddresses: true,
                                         ports: [ServicePort(name: "rank0", port: node.port, targetPort: node.port, protocol: "TCP")]))
    }

    /// For a step on several nodes, the NetworkPolicy that lets the attempt's Pods reach one
    /// another, and nothing more: step Pods reach no other Pod otherwise (the deployment's
    /// `ame-steps` policy), and a run's nodes must not reach another run's.
    public func networkPolicy(for request: StepPodRequest) -> NetworkPolicy? {
        guard request.node != nil else { return nil }
        let name = KubernetesNames.serviceName(runID: request.runID, step: request.step.name, attempt: request.attempt)
        var labels = Self.labels(for: request)
        labels[Labels.step] = KubernetesNames.labelValue(request.step.name)
        labels[Labels.attempt] = String(request.attempt)
        let nodes = NetworkPolicySpec.LabelSelector(matchLabels: Self.attemptLabels(for: request))
        return NetworkPolicy(metadata: ObjectMeta(name: name, namespace: settings.namespace, labels: labels, annotations: Self.annotations(for: request)),
                             spec: NetworkPolicySpec(podSelector: nodes, policyTypes: ["Ingress", "Egress"],
                                                     ingress: [NetworkPolicySpec.IngressRule(from: [NetworkPolicySpec.Peer(podSelector: nodes)])],
                                                     egress: [NetworkPolicySpec.EgressRule(to: [NetworkPolicySpec.Peer(podSelector: nodes)])]))
    }

    /// The labels every Pod of one attempt of a step (all its nodes) has, and no other.
    static func attemptLabels(for request: StepPodRequest) -> [String: String] {
        [Labels.managedBy: "ame", Labels.run: KubernetesNames.labelValue(request.runID),
         Labels.step: KubernetesNames.labelValue(request.step.name), Labels.attempt: String(request.attempt)]
    }

    /// Where the nodes of an attempt are: their Pods' names under its headless Service,
    /// which the cluster's DNS resolves (through the Pods' search domains) in any namespace.
    public static func nodeAddresses(runID: String, step: String, attempt: Int, count: Int) -> [String] {
        let service = KubernetesNames.serviceName(runID: runID, step: step, attempt: attempt)
        return (0..<count).map { "\(KubernetesNames.podName(runID: runID, step: step, attempt: attempt, node: $0)).\(service)" }
    }

    /// The Secrets the Pod refers to: the run's copy of each AME secret the step uses, and
    /// the agent token. Values are filled in by the caller (`SecretMirror`).
    public func secretNames(for request: StepPodRequest) -> [String] {
        [KubernetesNames.agentSecretName(runID: request.runID)]
            + uniqueSecrets(request.step).map { KubernetesNames.secretName(runID: request.runID, secret: $0) }
            + (request.secretEnvKeys.isEmpty ? [] : [KubernetesNames.runEnvSecretName(runID: request.runID)])
    }

    // MARK: Containers

    private var mounts: [Container.VolumeMount] {
        [Container.VolumeMount(name: "ame", mountPath: KubernetesSettings.agentDirectory),
         Container.VolumeMount(name: "workspace", mountPath: KubernetesSettings.workspaceDirectory)]
    }

    private func agentEnvironment(for request: StepPodRequest) -> [Container.EnvVar] {
        var env: [Container.EnvVar] = []
        if let server = settings.serverURL { env.append(Container.EnvVar(name: "AME_SERVER", value: server)) }
        env.append(Container.EnvVar(name: "AME_TOKEN", secret: KubernetesNames.agentSecretName(runID: request.runID), key: Self.tokenKey))
        return env
    }

    private func initContainer(for request: StepPodRequest) -> Container {
        var container = Container(name: Self.initContainerName, image: settings.agentImage)
        container.imagePullPolicy = settings.imagePullPolicy
        container.command = ["ame", "agent", "init"]
        container.args = ["--manifest", request.manifest,
                          "--agent-dir", KubernetesSettings.agentDirectory,
                          "--workspace", KubernetesSettings.workspaceDirectory]
        container.env = [Container.EnvVar(name: "AME_RUN_ID", value: request.runID)] + agentEnvironment(for: request)
        container.resources = settings.initResources
        container.volumeMounts = mounts
        // A failed fetch explains itself in its last log lines.
        container.terminationMessagePolicy = "FallbackToLogsOnError"
        return container
    }

    private func mainContainer(for request: StepPodRequest) -> Container {
        let step = request.step
        var container = Container(name: Self.mainContainerName, image: step.image ?? settings.image(python: step.python))
        container.imagePullPolicy = settings.imagePullPolicy
        container.command = [KubernetesSettings.agentDirectory + "/bin/ame", "agent", "exec"]
        var args = ["--workspace", KubernetesSettings.workspaceDirectory, "--result", Self.resultPath]
        if let python = step.python { args += ["--python", python] }
        if let dependencies = step.dependencies { args += ["--dependencies", dependencies.rawValue] }
        if let installer = step.installer { args += ["--installer", installer.rawValue] }
        for package in request.extraPackages { args += ["--extra-package", package] }
        if settings.cacheVolume != nil { args += ["--cache-dir", KubernetesSettings.cacheDirectory] }
        container.args = args + ["--", request.command]
        container.workingDir = KubernetesSettings.workspaceDirectory
        container.env = environment(for: request)
        if !request.ports.isEmpty {
            var names = Set<String>()
            container.ports = request.ports.map { spec in
                // Names must be unique in the Pod; a clash leaves the later port unnamed.
                let name = spec.name.flatMap(KubernetesNames.portName).flatMap { names.insert($0).inserted ? $0 : nil }
                return Container.ContainerPort(containerPort: spec.port, name: name)
            }
        }
        container.resources = resources(request.resources)
        container.volumeMounts = mounts
        if settings.cacheVolume != nil {
            // The user's own folder: a build runs their code, so no user sees another's
            // environments or package cache.
            var cache = Container.VolumeMount(name: Self.cacheVolumeName, mountPath: KubernetesSettings.cacheDirectory)
            cache.subPath = "users/" + EngineLayout.folderName(forUser: request.owner)
            container.volumeMounts?.append(cache)
        }
        container.terminationMessagePath = Self.resultPath
        container.terminationMessagePolicy = "File"
        return container
    }

    /// AME's variables, then the step's env (which may replace them, as on the local
    /// executor, except the agent's own), then its secrets by reference.
    private func environment(for request: StepPodRequest) -> [Container.EnvVar] {
        var env: [Container.EnvVar] = [
            Container.EnvVar(name: "AME_RUN_ID", value: request.runID),
            Container.EnvVar(name: "AME_PROJECT", value: request.project),
            Container.EnvVar(name: "AME_TASK", value: request.task),
            Container.EnvVar(name: "AME_STEP", value: request.step.name),
            Container.EnvVar(name: "AME_ATTEMPT", value: String(request.attempt)),
            Container.EnvVar(name: "AME_WORKSPACE", value: KubernetesSettings.workspaceDirectory),
            // Python prints to a pipe in blocks unless told not to; logs should be live.
            Container.EnvVar(name: "PYTHONUNBUFFERED", value: "1"),
        ]
        if let first = request.ports.first {
            env.append(Container.EnvVar(name: "AME_PORT", value: String(first.port)))
            for spec in request.ports {
                if let variable = spec.variableName { env.append(Container.EnvVar(name: variable, value: String(spec.port))) }
            }
            // The server reaches a service at the Pod's IP, not on the Pod's loopback.
            env.append(Container.EnvVar(name: "AME_SERVICE_HOST", value: "0.0.0.0"))
            env.append(Container.EnvVar(name: "AME_POD_IP", field: "status.podIP"))
        }
        func set(_ variable: Container.EnvVar) {
            guard !Self.reservedVariables.contains(variable.name) else { return }
            env.removeAll { $0.name == variable.name }
            env.append(variable)
        }
        // The translator sets a service's variables itself (its host is not the engine's).
        let own = Set(["AME_PORT", "AME_SERVICE_HOST", "AME_POD_IP"] + request.ports.compactMap(\.variableName)).union(NodeRank.variables)
        let contributed = request.contributedEnvironment.filter { !own.contains($0.key) }.sorted { $0.key < $1.key }
        for (key, value) in contributed where !key.hasPrefix("AME_") { set(Container.EnvVar(name: key, value: value)) }
        for variable in request.step.env { set(Container.EnvVar(name: variable.key, value: variable.value)) }
        for secret in request.step.secrets {
            set(Container.EnvVar(name: secret.envKey, secret: KubernetesNames.secretName(runID: request.runID, secret: secret.name),
                                 key: SecretMirror.valueKey))
        }
        // The run's own secret env last, as on the local executor.
        for key in request.secretEnvKeys {
            set(Container.EnvVar(name: key, secret: KubernetesNames.runEnvSecretName(runID: request.runID), key: key))
        }
        // AME's variables for a wrapped step win over the task's, as on the local executor.
        for (key, value) in contributed where key.hasPrefix("AME_") { set(Container.EnvVar(name: key, value: value)) }
        // Where the other nodes are: the contract, which nothing replaces.
        for (key, value) in (request.node?.environment ?? [:]).sorted(by: { $0.key < $1.key }) { set(Container.EnvVar(name: key, value: value)) }
        return env + agentEnvironment(for: request)
    }

    private func resources(_ resources: Resources) -> Container.ResourceRequirements? {
        var requests: [String: String] = [:]
        var limits: [String: String] = [:]
        if let cpu = resources.cpu {
            requests["cpu"] = cpu.text
            limits["cpu"] = cpu.text
        }
        if let memory = resources.memory {
            requests["memory"] = memory.text
            limits["memory"] = memory.text
        }
        if let storage = resources.storage {
            requests["ephemeral-storage"] = storage.text
            limits["ephemeral-storage"] = storage.text
        }
        if let gpus = resources.gpus, gpus > 0 {
            // Extended resources: the limit is what counts; a request must equal it.
            requests[settings.gpuResource] = String(gpus)
            limits[settings.gpuResource] = String(gpus)
        }
        if requests.isEmpty && limits.isEmpty { return nil }
        return Container.ResourceRequirements(requests: requests.isEmpty ? nil : requests, limits: limits.isEmpty ? nil : limits)
    }

    /// The kubelet expands `$(NAME)` in env values, commands and arguments; AME's are
    /// literal (a shell sees `$(date)` in the command), so every `$` is written `$$`.
    static func literal(_ container: Container) -> Container {
        func escape(_ text: String) -> String { text.replacingOccurrences(of: "$", with: "$$") }
        var container = container
        container.command = container.command?.map(escape)
        container.args = container.args?.map(escape)
        container.env = container.env?.map { variable in
            var variable = variable
            variable.value = variable.value.map(escape)
            return variable
        }
        return container
    }

    private func uniqueSecrets(_ step: TaskSpec) -> [String] {
        var seen = Set<String>()
        return step.secrets.map(\.name).filter { seen.insert($0).inserted }
    }

    // MARK: Labels

    /// Label keys AME sets on everything it makes.
    public enum Labels {
        public static let managedBy = "app.kubernetes.io/managed-by"
        public static let run = "ame.dev/run"
        public static let task = "ame.dev/task"
        public static let project = "ame.dev/project"
        public static let step = "ame.dev/step"
        public static let attempt = "ame.dev/attempt"
        public static let owner = "ame.dev/owner"
        public static let secret = "ame.dev/secret"
        /// The rank of a multi-node step's Pod.
        public static let node = "ame.dev/node"
    }

    /// What Kueue reads on a plain Pod (its Pod integration) when `AME_KUBERNETES_KUEUE_QUEUE`
    /// is set: the LocalQueue, and for the nodes of one step, the group admitted as one.
    public enum Kueue {
        public static let queueLabel = "kueue.x-k8s.io/queue-name"
        public static let groupLabel = "kueue.x-k8s.io/pod-group-name"
        public static let groupCountAnnotation = "kueue.x-k8s.io/pod-group-total-count"
        /// Kueue removes it once it admits the Pod (its group).
        public static let admissionGate = "kueue.x-k8s.io/admission"
    }

    /// The labels of every object of a run (a Pod adds its step and attempt).
    static func labels(for request: StepPodRequest) -> [String: String] {
        [Labels.managedBy: "ame",
         Labels.run: KubernetesNames.labelValue(request.runID),
         Labels.task: KubernetesNames.labelValue(request.task),
         Labels.project: KubernetesNames.labelValue(request.project)]
    }

    /// The exact names, which labels may have had to change.
    static func annotations(for request: StepPodRequest) -> [String: String] {
        [Labels.owner: request.owner, Labels.project: request.project, Labels.task: request.task, Labels.step: request.step.name]
    }

    /// `app.kubernetes.io/managed-by=ame,ame.dev/run=RUN`: everything of one run.
    public static func runSelector(_ runID: String) -> String {
        "\(Labels.managedBy)=ame,\(Labels.run)=\(KubernetesNames.labelValue(runID))"
    }
}
