/// `run.submit`: start a run of the user's project. The core uploads the project itself
/// (the plugin never holds the user's token) and answers with the run record.
public struct RunSubmitParams: Hashable, Sendable, Codable {
    /// The task to run, by name. With `command`, a name the project does not define makes
    /// an ad-hoc run of its own (no env, secrets or resources from `ame.yaml`).
    public var task: String
    /// Extra environment for every step.
    public var env: [String: String]?
    /// A command instead of the task's own (a service such as Jupyter uses this).
    public var command: String?
    /// Resource overrides, in `ame.yaml` notation (`{"memory": "8Gi", "gpus": 1}`).
    public var resources: PluginResources?
    /// Ports that make the run a service; 0 asks for a free port, which the run record's
    /// `ports` then holds once the run has started.
    public var ports: [PluginPort]?
    /// Labels kept with the run; AME adds `plugin: NAME`.
    public var labels: [String: String]?
    /// Variables whose values must not be stored in clear or shown (a service's access
    /// token): the engine seals them, masks them in the log like secrets, and forgets them
    /// when the run ends.
    public var secretEnv: [String: String]?
    /// Python requirements installed into the run's environment after the project's own
    /// (`["jupyterlab"]`); a project without Python files gets an environment with just these.
    public var extraPackages: [String]?
    /// The container image instead of the task's (runs on Kubernetes).
    public var image: String?
    /// How the Python environment is built instead of the task's, as `dependencies:` in
    /// ame.yaml writes it: `"none"` with `extraPackages` gives an environment of just those
    /// (a tool of the plugin's own), built once and shared by every project.
    public var dependencies: String?
    /// For a service: stop it after this many seconds without a connection.
    public var idleTimeoutSeconds: Int?

    public init(task: String, env: [String: String]? = nil, command: String? = nil, resources: PluginResources? = nil,
                ports: [PluginPort]? = nil, labels: [String: String]? = nil, secretEnv: [String: String]? = nil,
                extraPackages: [String]? = nil, image: String? = nil, idleTimeoutSeconds: Int? = nil, dependencies: String? = nil) {
        self.task = task
        self.env = env
        self.command = command
        self.resources = resources
        self.ports = ports
        self.labels = labels
        self.secretEnv = secretEnv
        self.extraPackages = extraPackages
        self.image = image
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.dependencies = dependencies
    }
}

/// A service port: `8888` on the wire, or `{"port": 0, "name": "lab"}` with a name (the run
/// then also gets `AME_PORT_LAB`).
public struct PluginPort: Hashable, Sendable, Codable, ExpressibleByIntegerLiteral {
    public var port: Int
    public var name: String?

    public init(port: Int, name: String? = nil) {
        self.port = port
        self.name = name
    }

    public init(integerLiteral value: Int) {
        self.init(port: value)
    }

    private enum CodingKeys: String, CodingKey {
        case port, name
    }

    public init(from decoder: any Decoder) throws {
        if let number = try? decoder.singleValueContainer().decode(Int.self) {
            self.init(port: number)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(port: try container.decode(Int.self, forKey: .port), name: try container.decodeIfPresent(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        guard let name else {
            var single = encoder.singleValueContainer()
            try single.encode(port)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(port, forKey: .port)
        try container.encode(name, forKey: .name)
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

    public var isEmpty: Bool { cpu == nil && memory == nil && storage == nil && gpus == nil && vram == nil }
}
