/// What a client sends to start a run: the project's files (by digest) and which task.
public struct RunRequest: Hashable, Sendable, Codable {
    /// The task (or pipeline) to run, by name.
    public var task: String
    /// Every file of the project; `ame.yaml` among them. The engine parses that copy, so
    /// what runs is exactly what was uploaded.
    public var manifest: Manifest
    /// The project file's path within the manifest (default `ame.yaml`).
    public var projectFile: String
    /// `--env K=V` overrides, applied to every step.
    public var env: [EnvVar]
    /// Overrides of the task's resources (a plugin asking for a GPU, say).
    public var resources: Resources?
    /// Ad-hoc command instead of the task's (plugins such as Jupyter use this).
    public var command: String?
    /// Ports that make this a service run.
    public var ports: [PortSpec]
    /// Free-form labels (plugin name, schedule name) kept with the run.
    public var labels: [String: String]
    /// For service runs: stop after this many seconds without a connection to its ports.
    public var idleTimeoutSeconds: Int?
    /// Variables whose values must not be kept in clear (a service's access token, say). The
    /// engine seals them with the secret vault's key instead of storing them with the
    /// request, masks their values in the run's log as it masks secrets, and deletes them
    /// when the run ends. They win over `env` and the task's env.
    public var secretEnv: [EnvVar]?
    /// Python packages (pip requirement specifiers) installed into the run's environment
    /// after the project's own dependencies, e.g. `["jupyterlab"]` for a notebook server.
    /// A project without Python files gets a virtual environment holding just these. A
    /// requirement the project already satisfies is left as the project pins it.
    public var extraPackages: [String]?
    /// The container image instead of the task's (Kubernetes runs; the local executor runs
    /// on this machine and ignores it).
    public var image: String?
    /// How the Python environment is built instead of the task's: `none` with
    /// `extraPackages` gives an environment of just those, whatever the project holds (a
    /// plugin's own tool, such as MLflow's server), built once and shared by every project.
    public var dependencies: DependencyManager?

    public init(task: String, manifest: Manifest, projectFile: String = "ame.yaml", env: [EnvVar] = [],
                resources: Resources? = nil, command: String? = nil, ports: [PortSpec] = [], labels: [String: String] = [:],
                idleTimeoutSeconds: Int? = nil, secretEnv: [EnvVar]? = nil, extraPackages: [String]? = nil, image: String? = nil,
                dependencies: DependencyManager? = nil) {
        self.task = task
        self.manifest = manifest
        self.projectFile = projectFile
        self.env = env
        self.resources = resources
        self.command = command
        self.ports = ports
        self.labels = labels
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.secretEnv = secretEnv
        self.extraPackages = extraPackages
        self.image = image
        self.dependencies = dependencies
    }
}
