import AMECore
import AMEEngine
import AMESystem
import Foundation

/// Where each ready service run's Pod is reached, and how many tunnels are open to it.
///
/// The executor records a service Pod's IP once its ports accept connections from here;
/// tunnels (`ame port-forward`, plugins' `tunnel.open`, through the server's WebSocket
/// route) dial that IP; and a service's idle time is the time since its last tunnel closed.
/// Connections that reach the Pod some other way (from inside the cluster) are not seen,
/// so an idle timeout on Kubernetes counts AME's tunnels only.
final class ServiceEndpoints: Sendable {
    struct Endpoint: Sendable {
        var address: String
        var openConnections = 0
        /// When the last connection closed (or the service became ready).
        var quietSince: ContinuousClock.Instant
    }

    private let endpoints = Locked<[String: Endpoint]>([:])

    func record(runID: String, address: String) {
        endpoints.withLock { $0[runID] = Endpoint(address: address, quietSince: .now) }
    }

    func forget(runID: String) {
        endpoints.withLock { $0[runID] = nil }
    }

    func address(runID: String) -> String? {
        endpoints.value[runID]?.address
    }

    /// Since when no tunnel has been open to the run's service; nil while one is open (or
    /// the service is not ready).
    func quietSince(runID: String) -> ContinuousClock.Instant? {
        guard let endpoint = endpoints.value[runID], endpoint.openConnections == 0 else { return nil }
        return endpoint.quietSince
    }

    /// A connection to `port` of the run's Pod, counted until it is closed.
    func connect(runID: String, port: Int) async throws -> any ByteStream {
        guard let address = address(runID: runID) else { throw APIError.serviceNotReady(runID: runID, port: port) }
        let socket: TCPSocket
        do {
            socket = try await TCPByteStream.onThread { try TCPSocket.connect(host: address, port: port) }
        } catch {
            throw APIError(.unavailable, "cannot reach port \(port) of run \(runID) at its Pod's address \(address): \(error)",
                           hint: "the service may have stopped listening; see 'ame logs \(runID)'")
        }
        endpoints.withLock { $0[runID]?.openConnections += 1 }
        return CountedConnection(stream: TCPByteStream(socket: socket)) { [weak self] in
            self?.endpoints.withLock { table in
                guard var endpoint = table[runID] else { return }
                endpoint.openConnections = max(0, endpoint.openConnections - 1)
                if endpoint.openConnections == 0 { endpoint.quietSince = .now }
                table[runID] = endpoint
            }
        }
    }
}

/// A connection that reports its closing once.
final class CountedConnection: ByteStream, @unchecked Sendable {
    let stream: TCPByteStream
    private let onClose = Locked<(@Sendable () -> Void)?>(nil)

    init(stream: TCPByteStream, onClose: @escaping @Sendable () -> Void) {
        self.stream = stream
        self.onClose.set(onClose)
    }

    func read() async throws -> Data? { try await stream.read() }
    func write(_ data: Data) async throws { try await stream.write(data) }
    func closeWrite() async { await stream.closeWrite() }

    func close() async {
        await stream.close()
        let report = onClose.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        report?()
    }

    deinit {
        // A connection dropped without close still stops counting.
        onClose.value?()
    }
}
