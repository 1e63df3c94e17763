/// The `Status` object the API returns with an error (and in watch `ERROR` events).
public struct KubernetesStatus: Codable, Hashable, Sendable {
    public var kind: String?
    public var apiVersion: String?
    /// `Failure` or `Success`.
    public var status: String?
    public var message: String?
    /// `NotFound`, `AlreadyExists`, `Invalid`, `Forbidden`, `Unauthorized`, `Expired`, …
    public var reason: String?
    public var details: Details?
    public var code: Int?

    public struct Details: Codable, Hashable, Sendable {
        public var name: String?
        public var kind: String?
        public var causes: [Cause]?
    }

    /// One reason an object is invalid: `{field: "spec.containers[0].image", message: …}`.
    public struct Cause: Codable, Hashable, Sendable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }
}
