/// `log` (plugin → core, notification): a message AME shows on stderr the way it shows its
/// own: `warning:` and `error:` prefixed and coloured, `debug` only with `AME_DEBUG=1`.
public struct LogParams: Hashable, Sendable {
    public enum Level: String, Hashable, Sendable, Codable {
        case debug, info, warning, error
    }

    public var level: Level
    public var message: String

    public init(level: Level, message: String) {
        self.level = level
        self.message = message
    }
}
