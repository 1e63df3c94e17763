/// A task from `ame.yaml`: either one command (`runcommand`) or a `pipeline` of steps.
///
/// Pipeline steps are `TaskSpec`s too (without a pipeline of their own). Values set on a
/// pipeline task (env, secrets, resources, image, python, dependencies, installer, retry, timeout)
/// are defaults that each step may override; see `effectiveSteps`.
public struct TaskSpec: Hashable, Sendable, Codable {
    public var name: String
    public var runCommand: String?
    public var secrets: [SecretRef]
    public var env: [EnvVar]
    public var resources: Resources
    /// Ordered steps; nil for a single-command task.
    public var pipeline: [TaskSpec]?
    /// For a pipeline step: the steps it waits for. Nil means "the step before it".
    public var needs: [String]?
    public var artifacts: ArtifactsSpec?
    public var image: String?
    public var python: String?
    public var dependencies: DependencyManager?
    /// What installs a pip project's packages (nil: uv, with pip as its fallback).
    public var installer: PackageInstaller?
    public var retry: RetryPolicy?
    /// Seconds; the step is stopped after this long.
    public var timeout: Int?
    public var ports: [PortSpec]
    public var data: [DataSource]
    /// How many nodes run the step together (`nodes: 4`), each with the step's `resources`;
    /// nil means one. See `NodeRank` for what each node is told.
    public var nodes: Int?

    public init(
        name: String,
        runCommand: String? = nil,
        secrets: [SecretRef] = [],
        env: [EnvVar] = [],
        resources: Resources = Resources(),
        pipeline: [TaskSpec]? = nil,
        needs: [String]? = nil,
        artifacts: ArtifactsSpec? = nil,
        image: String? = nil,
        python: String? = nil,
        dependencies: DependencyManager? = nil,
        installer: PackageInstaller? = nil,
        retry: RetryPolicy? = nil,
        timeout: Int? = nil,
        ports: [PortSpec] = [],
        data: [DataSource] = [],
        nodes: Int? = nil
    ) {
        self.name = name
        self.runCommand = runCommand
        self.secrets = secrets
        self.env = env
        self.resources = resources
        self.pipeline = pipeline
        self.needs = needs
        self.artifacts = artifacts
        self.image = image
        self.python = python
        self.dependencies = dependencies
        self.installer = installer
        self.retry = retry
        self.timeout = timeout
        self.ports = ports
        self.data = data
        self.nodes = nodes
    }

    public var isPipeline: Bool { pipeline != nil }

    /// The number of nodes the step runs on (1 unless `nodes:` says more).
    public var nodeCount: Int { max(1, nodes ?? 1) }

    /// What actually runs: the task itself, or each pipeline step with the pipeline's
    /// defaults filled in and `needs` made explicit (a step without `needs` waits for the
    /// step before it, so files written by one step are there for the next).
    public var effectiveSteps: [TaskSpec] {
        guard let pipeline else { return [self] }
        var result: [TaskSpec] = []
        for (index, step) in pipeline.enumerated() {
            var merged = step
            merged.env = EnvVar.merged(base: env, overrides: step.env)
            merged.secrets = SecretRef.merged(base: secrets, overrides: step.secrets)
            merged.resources = Resources(
                cpu: step.resources.cpu ?? resources.cpu,
                memory: step.resources.memory ?? resources.memory,
                storage: step.resources.storage ?? resources.storage,
                gpus: step.resources.gpus ?? resources.gpus,
                vram: step.resources.vram ?? resources.vram)
            merged.image = step.image ?? image
            merged.python = step.python ?? python
            merged.dependencies = step.dependencies ?? dependencies
            merged.installer = step.installer ?? installer
            merged.retry = step.retry ?? retry
            merged.timeout = step.timeout ?? timeout
            merged.needs = step.needs ?? (index == 0 ? [] : [pipeline[index - 1].name])
            merged.data = data + step.data
            merged.nodes = step.nodes ?? nodes
            result.append(merged)
        }
        return result
    }

    /// Every `artifacts` block of the task: the task's own, then each pipeline step's.
    public var allArtifactSpecs: [ArtifactsSpec] {
        ([artifacts] + (pipeline ?? []).map(\.artifacts)).compactMap { $0 }
    }

    /// The secrets that hold storage credentials (`data[].secret`, `artifacts.secret`), once
    /// each, in first-use order.
    public var storageSecretNames: [String] {
        var seen = Set<String>()
        let names = effectiveSteps.flatMap { $0.data.compactMap(\.secret) } + allArtifactSpecs.compactMap(\.secret)
        return names.filter { seen.insert($0).inserted }
    }

    /// Every secret any step needs, once each, in first-use order.
    public var allSecretNames: [String] {
        var seen = Set<String>()
        return effectiveSteps.flatMap(\.secrets).map(\.name).filter { seen.insert($0).inserted }
    }
}
