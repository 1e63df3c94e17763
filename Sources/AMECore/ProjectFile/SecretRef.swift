/// An AME secret injected into a task as an environment variable.
public struct SecretRef: Hashable, Sendable, Codable {
    /// The secret's name in AME's vault (`ame secret set NAME`).
    public var name: String
    /// The environment variable the task sees it as.
    public var envKey: String

    public init(name: String, envKey: String) {
        self.name = name
        self.envKey = envKey
    }

    enum CodingKeys: String, CodingKey {
        case name
        case envKey = "envkey"
    }

    static func merged(base: [SecretRef], overrides: [SecretRef]) -> [SecretRef] {
        let overridden = Set(overrides.map(\.envKey))
        return base.filter { !overridden.contains($0.envKey) } + overrides
    }
}
