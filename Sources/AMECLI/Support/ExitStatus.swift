/// Exit with a status and print nothing more (the command has said what it had to say).
public struct ExitStatus: Error, Sendable {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
}
