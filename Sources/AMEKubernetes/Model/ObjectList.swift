/// `PodList` and friends: a list response with the resource version to watch from.
public struct ObjectList<Item: Codable & Sendable>: Codable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta
    public var items: [Item]
}

/// One line of a watch stream: `{"type": "ADDED", "object": {…}}`.
public struct WatchEvent<Object: Codable & Sendable>: Sendable {
    public enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public var kind: Kind
    /// The object, except for `ERROR` events.
    public var object: Object?
    /// For `ERROR` events (410 Expired: the resource version is too old to watch from).
    public var status: KubernetesStatus?
}
