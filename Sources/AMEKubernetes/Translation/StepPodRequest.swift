import AMECore

/// One attempt of one step, as the translator needs it: who, what, with which resources,
/// starting from which files.
public struct StepPodRequest: Hashable, Sendable {
    public var runID: String
    public var owner: String
    public var project: String
    public var task: String
    /// The step as it runs: the task itself, or a pipeline step with the pipeline's
    /// defaults (env, secrets, image, …) filled in.
    public var step: TaskSpec
    public var attempt: Int
    /// This attempt's resources: more memory than the step asked for after an OOM retry.
    public var resources: Resources
    public var command: String
    /// The digest of the JSON manifest of the files the step starts from (the init
    /// container fetches it, then every file it lists).
    public var manifest: String
    public var timeoutSeconds: Int?
    /// A service's ports (the run's, which an ad-hoc service such as Jupyter sets apart
    /// from its task); empty for a batch step.
    public var ports: [PortSpec]
    /// The run's extra requirements, installed after the project's own.
    public var extraPackages: [String]
    /// The names of the run's own secret env (`RunRequest.secretEnv`); the values are in
    /// the run's env Secret, never in the Pod.
    public var secretEnvKeys: [String] = []
    /// Variables the engine adds beyond the task: the project's run hooks' env (set before
    /// the task's env, which wins) and AME's own for a wrapped step (`AME_COMMAND`, …, set
    /// after it). Literal values; never secrets.
    public var contributedEnvironment: [String: String] = [:]
    /// For one node of a multi-node step: its rank and every node's address (the Pods'
    /// names under the attempt's headless Service).
    public var node: NodeRank?

    public init(runID: String, owner: String, project: String, task: String, step: TaskSpec, attempt: Int,
                resources: Resources? = nil, command: String? = nil, manifest: String, timeoutSeconds: Int? = nil,
                ports: [PortSpec]? = nil, extraPackages: [String] = []) {
        self.runID = runID
        self.owner = owner
        self.project = project
        self.task = task
        self.step = step
        self.attempt = attempt
        self.resources = resources ?? step.resources
        self.command = command ?? step.runCommand ?? ""
        self.manifest = manifest
        self.timeoutSeconds = timeoutSeconds ?? step.timeout
        self.ports = ports ?? step.ports
        self.extraPackages = extraPackages
    }
}
