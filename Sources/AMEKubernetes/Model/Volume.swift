/// A Pod volume: `emptyDir` for the agent and the project; the cache volume
/// (`AME_KUBERNETES_CACHE_VOLUME`) as a `persistentVolumeClaim` or a `hostPath`.
public struct Volume: Codable, Hashable, Sendable {
    public var name: String
    public var emptyDir: EmptyDirVolumeSource?
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    public var hostPath: HostPathVolumeSource?

    public init(name: String, emptyDir: EmptyDirVolumeSource = EmptyDirVolumeSource()) {
        self.name = name
        self.emptyDir = emptyDir
    }

    public init(name: String, claim: String) {
        self.name = name
        self.persistentVolumeClaim = PersistentVolumeClaimVolumeSource(claimName: claim)
    }

    public init(name: String, hostPath: String) {
        self.name = name
        self.hostPath = HostPathVolumeSource(path: hostPath, type: "DirectoryOrCreate")
    }

    public struct EmptyDirVolumeSource: Codable, Hashable, Sendable {
        public var medium: String?
        public var sizeLimit: String?

        public init(medium: String? = nil, sizeLimit: String? = nil) {
            self.medium = medium
            self.sizeLimit = sizeLimit
        }
    }

    public struct PersistentVolumeClaimVolumeSource: Codable, Hashable, Sendable {
        public var claimName: String
    }

    public struct HostPathVolumeSource: Codable, Hashable, Sendable {
        public var path: String
        public var type: String?
    }
}
