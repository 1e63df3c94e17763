/// `metadata` of a Kubernetes object: the fields AME sets or reads.
///
/// Every field is optional so that the same type describes what AME sends (name, labels)
/// and what the API returns (uid, resourceVersion, timestamps).
public struct ObjectMeta: Codable, Hashable, Sendable {
    public var name: String?
    public var namespace: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var uid: String?
    public var resourceVersion: String?
    public var creationTimestamp: String?
    /// Set when a delete was asked for and the object is terminating.
    public var deletionTimestamp: String?
    public var deletionGracePeriodSeconds: Int?

    public init(name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil, annotations: [String: String]? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}

/// `metadata` of a list: the resource version a watch continues from.
public struct ListMeta: Codable, Hashable, Sendable {
    public var resourceVersion: String?
    public var `continue`: String?

    public init(resourceVersion: String? = nil) {
        self.resourceVersion = resourceVersion
    }
}
