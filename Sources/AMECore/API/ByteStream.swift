import Foundation

/// A bidirectional byte stream: a TCP connection to a run's service port, directly or
/// tunnelled through the server.
public protocol ByteStream: Sendable {
    /// The next bytes; nil at end of stream.
    func read() async throws -> Data?
    func write(_ data: Data) async throws
    /// Closes the sending direction (the peer sees end of stream); reading may go on.
    func closeWrite() async
    func close() async
}
