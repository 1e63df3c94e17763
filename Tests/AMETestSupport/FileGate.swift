import Foundation

/// A file the test creates to let a waiting run go on: runs wait on it instead of racing a
/// `sleep` against a loaded machine.
public struct FileGate: Sendable {
    public let url: URL

    public init(in directory: URL, name: String) {
        url = directory.appendingPathComponent(name)
    }

    /// A shell loop that returns once the gate is open.
    public var shellWait: String { "while [ ! -e '\(url.path)' ]; do sleep 0.05; done" }

    public func open() throws { try Data().write(to: url) }
}
