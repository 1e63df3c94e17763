/// A literal environment variable for a task.
public struct EnvVar: Hashable, Sendable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case key = "envkey"
        case value
    }

    /// `KEY` must be a portable shell variable name.
    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    static func merged(base: [EnvVar], overrides: [EnvVar]) -> [EnvVar] {
        let overridden = Set(overrides.map(\.key))
        return base.filter { !overridden.contains($0.key) } + overrides
    }
}
