/// `project.setImage`: sets `image:` of a task (or of one step of a pipeline task) in the
/// project's `ame.yaml`, as a text edit that leaves the rest of the file as it was.
public struct ProjectSetImageParams: Hashable, Sendable, Codable {
    public var task: String
    /// A step of the pipeline task `task`; absent: the task itself.
    public var step: String?
    /// An image reference (checked against the OCI reference grammar).
    public var image: String

    public init(task: String, step: String? = nil, image: String) {
        self.task = task
        self.step = step
        self.image = image
    }
}

/// The answer to `project.setImage`.
public struct ProjectSetImageResult: Hashable, Sendable, Codable {
    /// The edited file.
    public var file: String
    public var task: String
    public var step: String?
    public var image: String
    /// The image the task (or step) named before, if it named one.
    public var previous: String?
    /// False when the file already said exactly this.
    public var changed: Bool
    /// Where `image:` stands now (1-based).
    public var line: Int
    public var column: Int

    public init(file: String, task: String, step: String?, image: String, previous: String?, changed: Bool, line: Int, column: Int) {
        self.file = file
        self.task = task
        self.step = step
        self.image = image
        self.previous = previous
        self.changed = changed
        self.line = line
        self.column = column
    }
}

/// `registry.tags`: the tags of an image repository, read from its registry with the OCI
/// distribution API and the user's registry credentials.
public struct RegistryTagsParams: Hashable, Sendable, Codable {
    /// `registry.example.com/team/name` (a tag or digest on it is ignored).
    public var repository: String
    /// Allow plain HTTP and unverified TLS (always allowed for loopback registries).
    public var insecure: Bool?

    public init(repository: String, insecure: Bool? = nil) {
        self.repository = repository
        self.insecure = insecure
    }
}

/// The answer to `registry.tags`.
public struct RegistryTagsResult: Hashable, Sendable, Codable {
    /// The registry's host (and port) as addressed.
    public var registry: String
    /// The repository's path within the registry (`team/name`; `library/name` on Docker Hub).
    public var repository: String
    public var tags: [String]

    public init(registry: String, repository: String, tags: [String]) {
        self.registry = registry
        self.repository = repository
        self.tags = tags
    }
}

/// `registry.credentials`: the user's credentials for a registry, for a plugin that hands
/// them to a tool (an image builder) as an auth file.
public struct RegistryCredentialsParams: Hashable, Sendable, Codable {
    /// A registry host (and port), or an image reference whose registry is meant.
    public var registry: String
    /// An AME secret to read them from instead of the usual places.
    public var secret: String?

    public init(registry: String, secret: String? = nil) {
        self.registry = registry
        self.secret = secret
    }
}

/// The answer to `registry.credentials`; `username` and `password` are absent when there
/// are none (anonymous access).
public struct RegistryCredentialsResult: Hashable, Sendable, Codable {
    /// The registry's host (and port) as auth files key it.
    public var registry: String
    public var username: String?
    public var password: String?
    /// Where they came from: `secret:NAME` or the auth file's path.
    public var source: String?

    public init(registry: String, username: String? = nil, password: String? = nil, source: String? = nil) {
        self.registry = registry
        self.username = username
        self.password = password
        self.source = source
    }

    public var found: Bool { username != nil && password != nil }
}
