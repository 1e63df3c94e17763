/// A Pod volume; AME uses `emptyDir` only (the agent and the project live in them).
public struct Volume: Codable, Hashable, Sendable {
    public var name: String
    public var emptyDir: EmptyDirVolumeSource?

    public init(name: String, emptyDir: EmptyDirVolumeSource = EmptyDirVolumeSource()) {
        self.name = name
        self.emptyDir = emptyDir
    }

    public struct EmptyDirVolumeSource: Codable, Hashable, Sendable {
        public var medium: String?
        public var sizeLimit: String?

        public init(medium: String? = nil, sizeLimit: String? = nil) {
            self.medium = medium
            self.sizeLimit = sizeLimit
        }
    }
}
