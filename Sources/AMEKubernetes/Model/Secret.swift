import Foundation

/// A Kubernetes `Secret` (`v1`, type `Opaque`): one per AME secret a run uses, and one
/// holding the run's agent token.
public struct Secret: Codable, Hashable, Sendable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    /// Values, base64-encoded in JSON (`Data` encodes that way).
    public var data: [String: Data]?
    /// Write-only plain-text values; AME uses it only for redacted dry-run output.
    public var stringData: [String: String]?

    public init(metadata: ObjectMeta, type: String? = "Opaque", data: [String: Data]? = nil, stringData: [String: String]? = nil) {
        self.metadata = metadata
        self.type = type
        self.data = data
        self.stringData = stringData
    }

    public var name: String { metadata.name ?? "" }
}
