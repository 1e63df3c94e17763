import AMECore
import AMEKubernetes
import Foundation
import Testing

@Suite("Pod translation")
struct PodTranslatorTests {
    static let gpuProject = """
        projectname: vision
        tasks:
          finetune:
            image: nvcr.io/nvidia/pytorch:24.05-py3
            python: "3.10"
            dependencies: pip
            timeout: 2h
            env:
              - envkey: EPOCHS
                value: "10"
              - envkey: RUN_LABEL
                value: nightly $(date) & $HOME
            secrets:
              - name: wandb
                envkey: WANDB_API_KEY
              - name: hf_token
            resources:
              cpu: 500m
              memory: 24Gi
              storage: 100Gi
              gpus: 2
              vram: 40Gi
            runcommand: python finetune.py --epochs $EPOCHS
        """

    static let serviceProject = """
        projectname: notebooks
        tasks:
          lab:
            runcommand: exec python -m jupyterlab --ip="$AME_SERVICE_HOST" --port="$AME_PORT"
            ports:
              - {port: 8888, name: lab}
              - {port: 6006, name: TensorBoard_UI}
              - {port: 9000, name: a-very-long-port-name}
            resources: {cpu: "2", memory: 8Gi}
        """

    @Test("the reference README's single task: secret, env, cpu, memory, storage")
    func singleTask() throws {
        let objects = try TranslationFixtures.objects(try TranslationFixtures.reference("single-task.yaml"), task: "download_data")
        try GoldenFile.check(try ManifestRenderer.render(objects, as: .yaml), against: "single-task.yaml")
    }

    @Test("the reference README's pipeline: a Pod per step, GPUs with their toleration, vram as node affinity")
    func pipeline() throws {
        let objects = try TranslationFixtures.objects(try TranslationFixtures.reference("pipeline-fixed.yaml"), task: "main")
        try GoldenFile.check(try ManifestRenderer.render(objects, as: .yaml), against: "pipeline.yaml")
    }

    @Test("list forms of env and secrets, image, python, timeout, two GPUs with 40Gi each")
    func gpuTraining() throws {
        let objects = try TranslationFixtures.objects(try TranslationFixtures.parse(Self.gpuProject), task: "finetune")
        try GoldenFile.check(try ManifestRenderer.render(objects, as: .yaml), against: "gpu-training.yaml")
        try GoldenFile.check(try ManifestRenderer.render(objects, as: .json), against: "gpu-training.json")
    }

    @Test("a service: its ports as container ports, the variables it listens by (0.0.0.0, the Pod's IP), the run's extra packages")
    func service() throws {
        let project = try TranslationFixtures.parse(Self.serviceProject)
        let objects = try TranslationFixtures.objects(project, task: "lab", extraPackages: ["jupyterlab>=4"])
        try GoldenFile.check(try ManifestRenderer.render(objects, as: .yaml), against: "service.yaml")
        guard case .pod(let pod) = objects.last else { Issue.record("no Pod"); return }
        let main = try #require(pod.spec.containers.first)
        // Named where the name can be an IANA service name; unnamed where it cannot.
        #expect(main.ports == [Container.ContainerPort(containerPort: 8888, name: "lab"),
                               Container.ContainerPort(containerPort: 6006, name: "tensorboard-ui"),
                               Container.ContainerPort(containerPort: 9000, name: nil)])
        #expect(main.ports?.allSatisfy { $0.protocol == "TCP" } == true)
        let env = Dictionary(uniqueKeysWithValues: (main.env ?? []).map { ($0.name, $0) })
        #expect(env["AME_PORT"]?.value == "8888")
        #expect(env["AME_PORT_LAB"]?.value == "8888")
        #expect(env["AME_PORT_TENSORBOARD_UI"]?.value == "6006")
        #expect(env["AME_PORT_A_VERY_LONG_PORT_NAME"]?.value == "9000")
        #expect(env["AME_SERVICE_HOST"]?.value == "0.0.0.0")
        #expect(env["AME_POD_IP"]?.valueFrom?.fieldRef?.fieldPath == "status.podIP")
        let args = try #require(main.args)
        let extra = try #require(args.firstIndex(of: "--extra-package"))
        #expect(args[extra + 1] == "jupyterlab>=4")
        #expect(extra < args.firstIndex(of: "--") ?? 0, "options come before the command")

        // A batch step has none of it.
        let batch = try TranslationFixtures.objects(try TranslationFixtures.reference("single-task.yaml"), task: "download_data")
        guard case .pod(let batchPod) = batch.last else { Issue.record("no Pod"); return }
        let batchMain = try #require(batchPod.spec.containers.first)
        #expect(batchMain.ports == nil)
        #expect(!(batchMain.env ?? []).contains { $0.name.hasPrefix("AME_PORT") || $0.name == "AME_SERVICE_HOST" || $0.name == "AME_POD_IP" })
        #expect(!(batchMain.args ?? []).contains("--extra-package"))
    }

    @Test("a step without image: runs in AME's default Python image, or the image of its python: (docs/ame-yaml.md, 'Which Python')")
    func defaultImageFollowsThePythonRule() throws {
        func image(_ yaml: String, settings: KubernetesSettings = TranslationFixtures.settings) throws -> String? {
            let objects = try TranslationFixtures.objects(try TranslationFixtures.parse(yaml), task: "t", settings: settings)
            guard case .pod(let pod) = objects.last else { return nil }
            return pod.spec.containers.first?.image
        }
        #expect(KubernetesSettings().defaultImage == "python:\(PythonDefault.version)-slim")
        #expect(try image("projectname: p\ntasks:\n  t: {runcommand: x}\n") == "python:\(PythonDefault.version)-slim")
        #expect(try image("projectname: p\ntasks:\n  t: {runcommand: x, python: '3.10'}\n") == "python:3.10-slim")
        #expect(try image("projectname: p\ntasks:\n  t: {runcommand: x, python: '3.10', image: 'ghcr.io/x/y:1'}\n") == "ghcr.io/x/y:1")
        // An administrator's AME_KUBERNETES_DEFAULT_IMAGE is kept as set.
        var custom = TranslationFixtures.settings
        custom.defaultImage = "registry.example.com/cuda-python:12"
        #expect(try image("projectname: p\ntasks:\n  t: {runcommand: x, python: '3.10'}\n", settings: custom) == "registry.example.com/cuda-python:12")
    }

    @Test("AME_KUBERNETES_CACHE_VOLUME: a claim or hostPath:, the user's folder of it at /var/cache/ame, --cache-dir; installer: pip passed on")
    func cacheVolume() throws {
        #expect(try KubernetesSettings(environment: ["AME_KUBERNETES_CACHE_VOLUME": "ame-cache"]).cacheVolume == .claim("ame-cache"))
        #expect(try KubernetesSettings(environment: ["AME_KUBERNETES_CACHE_VOLUME": "hostPath:/var/cache/ame"]).cacheVolume == .hostPath("/var/cache/ame"))
        #expect(try KubernetesSettings(environment: [:]).cacheVolume == nil)
        for bad in ["Bad_Name", "hostPath:relative", "hostPath:/a/../b"] {
            #expect(throws: KubernetesSettings.InvalidSetting.self) { try KubernetesSettings(environment: ["AME_KUBERNETES_CACHE_VOLUME": bad]) }
        }
        var settings = TranslationFixtures.settings
        settings.cacheVolume = .claim("ame-cache")
        let objects = try TranslationFixtures.objects(try TranslationFixtures.parse("projectname: p\ntasks:\n  t: {runcommand: x, installer: pip}\n"),
                                                      task: "t", settings: settings)
        guard case .pod(let pod) = objects.last, let main = pod.spec.containers.first else { Issue.record("no Pod"); return }
        #expect(pod.spec.volumes?.contains { $0.persistentVolumeClaim?.claimName == "ame-cache" } == true)
        let mount = main.volumeMounts?.first { $0.name == "ame-cache" }
        #expect(mount?.mountPath == "/var/cache/ame")
        #expect(mount?.subPath == "users/\(TranslationFixtures.owner)")
        let args = main.args ?? []
        #expect(args.firstIndex(of: "--cache-dir").map { args[$0 + 1] } == "/var/cache/ame")
        #expect(args.firstIndex(of: "--installer").map { args[$0 + 1] } == "pip")
        // The init container does not see it.
        #expect(pod.spec.initContainers?.first?.volumeMounts?.contains { $0.name == "ame-cache" } == false)
        // Without the setting, no volume and no --cache-dir.
        let plain = try TranslationFixtures.objects(try TranslationFixtures.parse("projectname: p\ntasks:\n  t: {runcommand: x}\n"), task: "t")
        guard case .pod(let plainPod) = plain.last else { return }
        #expect(plainPod.spec.volumes?.count == 2)
        let plainArgs = plainPod.spec.containers.first?.args ?? []
        #expect(plainArgs.contains("--cache-dir") == false)
    }

    @Test("port names: IANA service names or none")
    func portNames() {
        #expect(KubernetesNames.portName("lab") == "lab")
        #expect(KubernetesNames.portName("TensorBoard_UI") == "tensorboard-ui")
        #expect(KubernetesNames.portName("a__b") == "a-b")
        #expect(KubernetesNames.portName("8080") == nil, "a name needs a letter")
        #expect(KubernetesNames.portName("sixteen-letters-") == "sixteen-letters")
        #expect(KubernetesNames.portName("much-too-long-a-name") == nil)
        #expect(KubernetesNames.portName("__") == nil)
    }

    @Test("the second attempt after an OOM asks for the grown memory as request and limit")
    func oomRetryAttempt() throws {
        let project = try TranslationFixtures.reference("single-task.yaml")
        let objects = try TranslationFixtures.objects(project, task: "download_data", attempt: 2, memory: Quantity.bytes(16 << 30))
        guard case .pod(let pod) = objects.last else { Issue.record("no Pod"); return }
        #expect(pod.name.hasSuffix("-2"))
        #expect(pod.metadata.labels?["ame.dev/attempt"] == "2")
        let main = try #require(pod.spec.containers.first)
        #expect(main.resources?.requests?["memory"] == "16Gi")
        #expect(main.resources?.limits?["memory"] == "16Gi")
    }

    @Test("labels, restartPolicy, init container and main container are as PodTranslator documents them")
    func shape() throws {
        let project = try TranslationFixtures.reference("single-task.yaml")
        guard case .pod(let pod) = try TranslationFixtures.objects(project, task: "download_data").last else { Issue.record("no Pod"); return }
        let labels = try #require(pod.metadata.labels)
        #expect(labels["app.kubernetes.io/managed-by"] == "ame")
        #expect(labels["ame.dev/run"] == TranslationFixtures.runID)
        #expect(labels["ame.dev/task"] == "download_data")
        #expect(labels["ame.dev/project"] == "bestproject")
        #expect(pod.spec.restartPolicy == "Never")
        #expect(pod.spec.automountServiceAccountToken == false)
        let initContainer = try #require(pod.spec.initContainers?.first)
        #expect(initContainer.image == "registry.example.com/ame:0.1.0")
        #expect(initContainer.command == ["ame", "agent", "init"])
        let main = try #require(pod.spec.containers.first)
        #expect(main.image == "python:3.12-slim")
        #expect(main.command == ["/ame/bin/ame", "agent", "exec"])
        #expect(main.args?.last == "python downloaddata.py")
        #expect(main.resources?.requests == ["cpu": "2", "memory": "8Gi", "ephemeral-storage": "50Gi"])
        #expect(main.resources?.limits == ["cpu": "2", "memory": "8Gi", "ephemeral-storage": "50Gi"])
        let env = Dictionary(uniqueKeysWithValues: (main.env ?? []).map { ($0.name, $0) })
        #expect(env["PROJECT_ENVIRONMENT"]?.value == "production")
        #expect(env["STORAGE_SECRET"]?.value == nil)
        #expect(env["STORAGE_SECRET"]?.valueFrom?.secretKeyRef?.name == "ame-r0golden0000a-secret-storagesecret")
        #expect(env["STORAGE_SECRET"]?.valueFrom?.secretKeyRef?.key == "value")
        #expect(env["AME_TOKEN"]?.valueFrom?.secretKeyRef?.name == "ame-r0golden0000a-agent")
        #expect(Set(pod.spec.volumes?.map(\.name) ?? []) == ["ame", "workspace"])
    }

    @Test("no secret value reaches the Pod spec; they are only in the run's Secrets")
    func secretValuesStayInSecrets() throws {
        let project = try TranslationFixtures.parse(Self.gpuProject)
        let task = try #require(project.task(named: "finetune"))
        let settings = TranslationFixtures.settings
        let request = StepPodRequest(runID: "r1", owner: "bob", project: "vision", task: "finetune", step: task, attempt: 1,
                                     manifest: TranslationFixtures.manifest)
        let pod = PodTranslator(settings: settings).pod(for: request)
        let mirror = SecretMirror(settings: settings)
        let values = ["wandb": "wandb-s3cr3t-value", "hf_token": "hf_ABCDEF0123456789"]
        let secrets = values.map { mirror.secret(runID: "r1", labels: [:], name: $0.key, value: Data($0.value.utf8)) }
        let podJSON = String(decoding: try JSONEncoder().encode(pod), as: UTF8.self)
        for value in values.values + ["agent-token-xyz"] {
            #expect(!podJSON.contains(value))
            #expect(!podJSON.contains(Data(value.utf8).base64EncodedString()))
        }
        // Every Secret the Pod refers to is one the mirror makes.
        let referenced = Set((pod.spec.containers + (pod.spec.initContainers ?? [])).flatMap { $0.env ?? [] }
            .compactMap { $0.valueFrom?.secretKeyRef?.name })
        let made = Set(secrets.map(\.name) + [KubernetesNames.agentSecretName(runID: "r1")])
        #expect(referenced == made)
        #expect(Set(PodTranslator(settings: settings).secretNames(for: request)) == made)
    }

    @Test("'$' is doubled so the kubelet's $(VAR) expansion leaves env and command as written")
    func dollarsAreLiteral() throws {
        let project = try TranslationFixtures.parse(Self.gpuProject)
        let task = try #require(project.task(named: "finetune"))
        let pod = PodTranslator(settings: TranslationFixtures.settings).pod(for: StepPodRequest(
            runID: "r1", owner: "bob", project: "vision", task: "finetune", step: task, attempt: 1, manifest: TranslationFixtures.manifest))
        let main = try #require(pod.spec.containers.first)
        #expect(main.env?.first { $0.name == "RUN_LABEL" }?.value == "nightly $$(date) & $$HOME")
        #expect(main.args?.last == "python finetune.py --epochs $$EPOCHS")
    }

    @Test("a task's env cannot replace the agent's server or token")
    func reservedVariables() throws {
        let project = try TranslationFixtures.parse("""
            projectname: p
            tasks:
              t:
                runcommand: "true"
                env: {AME_SERVER: http://evil.example, AME_TOKEN: stolen, AME_STEP: mine}
            """)
        let task = try #require(project.task(named: "t"))
        let pod = PodTranslator(settings: TranslationFixtures.settings).pod(for: StepPodRequest(
            runID: "r1", owner: "bob", project: "p", task: "t", step: task, attempt: 1, manifest: TranslationFixtures.manifest))
        let env = try #require(pod.spec.containers.first?.env)
        #expect(env.filter { $0.name == "AME_SERVER" }.map(\.value) == ["http://ame-server.ame.svc:8080"])
        #expect(env.filter { $0.name == "AME_TOKEN" }.count == 1)
        #expect(env.first { $0.name == "AME_TOKEN" }?.valueFrom != nil)
        // Other AME variables may be replaced, as on the local executor.
        #expect(env.filter { $0.name == "AME_STEP" }.map(\.value) == ["mine"])
    }

    @Test("vram becomes 'GPU memory label > 90% of it in MiB − 1'; gpus the resource and its toleration")
    func gpuScheduling() throws {
        let project = try TranslationFixtures.parse(Self.gpuProject)
        let task = try #require(project.task(named: "finetune"))
        let pod = PodTranslator(settings: TranslationFixtures.settings).pod(for: StepPodRequest(
            runID: "r1", owner: "bob", project: "vision", task: "finetune", step: task, attempt: 1, manifest: TranslationFixtures.manifest))
        let requirement = try #require(pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?
            .nodeSelectorTerms.first?.matchExpressions?.first)
        #expect(requirement.key == "nvidia.com/gpu.memory")
        #expect(requirement.operator == "Gt")
        #expect(requirement.values == ["36863"]) // 40960 MiB × 0.9 = 36864: more than 36863
        #expect(pod.spec.tolerations == [Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule")])
        #expect(pod.spec.containers.first?.resources?.limits?["nvidia.com/gpu"] == "2")
        #expect(pod.spec.activeDeadlineSeconds == 7200)
        #expect(pod.spec.containers.first?.image == "nvcr.io/nvidia/pytorch:24.05-py3")
        #expect(pod.spec.containers.first?.args?.prefix(8) == ["--workspace", "/workspace", "--result", "/ame/termination-log", "--python", "3.10", "--dependencies", "pip"])
    }

    @Test("settings come from AME_KUBERNETES_* and are checked")
    func settingsFromEnvironment() throws {
        let settings = try KubernetesSettings(environment: [
            "AME_KUBERNETES_NAMESPACE": "ml", "AME_KUBERNETES_AGENT_IMAGE": "r.example/ame:1",
            "AME_KUBERNETES_SERVER_URL": "http://ame:8080", "AME_KUBERNETES_IMAGE_PULL_SECRETS": "regcred, other",
            "AME_KUBERNETES_GPU_RESOURCE": "amd.com/gpu",
        ])
        #expect(settings.namespace == "ml")
        #expect(settings.imagePullSecrets == ["regcred", "other"])
        #expect(settings.gpuTolerations.first?.key == "amd.com/gpu")
        #expect(throws: KubernetesSettings.InvalidSetting.self) {
            try KubernetesSettings(environment: ["AME_KUBERNETES_AGENT_IMAGE": "not an image"])
        }
        #expect(throws: KubernetesSettings.InvalidSetting.self) {
            try KubernetesSettings(environment: ["AME_KUBERNETES_IMAGE_PULL_POLICY": "Sometimes"])
        }
    }
}

@Suite("Kubernetes names")
struct KubernetesNamesTests {
    @Test("object names are DNS labels; a name that had to change carries a hash of the original")
    func podNames() {
        #expect(KubernetesNames.podName(runID: "r0abc", step: "train", attempt: 1) == "ame-r0abc-train-1")
        let underscored = KubernetesNames.podName(runID: "r0abc", step: "download_data", attempt: 2)
        #expect(underscored.hasPrefix("ame-r0abc-download-data-") && underscored.hasSuffix("-2"))
        #expect(underscored != KubernetesNames.podName(runID: "r0abc", step: "download-data", attempt: 2))
        #expect(KubernetesNames.podName(runID: "r0abc", step: "Train", attempt: 1) != KubernetesNames.podName(runID: "r0abc", step: "train", attempt: 1))
        let long = KubernetesNames.podName(runID: "r0k2abcdefghj", step: String(repeating: "x", count: 63), attempt: 12)
        #expect(long.count <= 63)
        #expect(long.range(of: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#, options: .regularExpression) != nil)
    }

    @Test("label values keep valid names and fix the rest")
    func labelValues() {
        #expect(KubernetesNames.labelValue("download_data") == "download_data")
        #expect(KubernetesNames.labelValue("Train.v2") == "Train.v2")
        let fixed = KubernetesNames.labelValue("_private")
        #expect(KubernetesNames.isValidLabelValue(fixed) && fixed != "_private")
        #expect(KubernetesNames.isValidLabelValue(KubernetesNames.labelValue(String(repeating: "a", count: 63) + "_")))
        #expect(KubernetesNames.secretName(runID: "r1", secret: "storagesecret") == "ame-r1-secret-storagesecret")
        #expect(KubernetesNames.secretName(runID: "r1", secret: "HF_Token").hasPrefix("ame-r1-secret-hf-token-"))
    }
}
