/// `POST /v1/schedules/push`: an uploaded project (its blobs already sent) whose
/// `recurring_tasks` the server registers, for users without a git server.
public struct PushRequest: Hashable, Sendable, Codable {
    public var manifest: Manifest
    public var projectFile: String

    public init(manifest: Manifest, projectFile: String = "ame.yaml") {
        self.manifest = manifest
        self.projectFile = projectFile
    }
}
