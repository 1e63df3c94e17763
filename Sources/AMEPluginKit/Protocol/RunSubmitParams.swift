/// `run.submit`: start a run of the user's project. The core uploads the project itself
/// (the plugin never holds the user's token) and answers with the run record.
public struct RunSubmitParams: Hashable, Sendable, Codable {
    /// The task to run, by name.
    public var task: String
    /// Extra environment for every step.
    public var env: [String: String]?
    /// A command instead of the task's own (a service such as Jupyter uses this).
    public var command: String?
    /// Resource overrides, in `ame.yaml` notation (`{"memory": "8Gi", "gpus": 1}`).
    public var resources: PluginResources?
    /// Ports that make the run a service.
    public var ports: [Int]?
    /// Labels kept with the run; AME adds `plugin: NAME`.
    public var labels: [String: String]?

    public init(task: String, env: [String: String]? = nil, command: String? = nil, resources: PluginResources? = nil,
                ports: [Int]? = nil, labels: [String: String]? = nil) {
        self.task = task
        self.env = env
        self.command = command
        self.resources = resources
        self.ports = ports
        self.labels = labels
    }
}

/// Resources as `ame.yaml` writes them.
public struct PluginResources: Hashable, Sendable, Codable {
    public var cpu: String?
    public var memory: String?
    public var storage: String?
    public var gpus: Int?
    public var vram: String?

    public init(cpu: String? = nil, memory: String? = nil, storage: String? = nil, gpus: Int? = nil, vram: String? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.storage = storage
        self.gpus = gpus
        self.vram = vram
    }
}
