import AMECore
import Foundation
import HTTPTypes
import Logging
import NIOCore
import WSClient

/// One TCP connection to a service run's port, carried by a WebSocket to the server's
/// tunnel route (framing: `TunnelFrames`). The WebSocket client runs its handler in a task
/// of its own; this class bridges it to `ByteStream`: frames that arrive are queued for
/// `read()`, and `write` goes to the handler's outbound writer.
final class WebSocketByteStream: ByteStream, @unchecked Sendable {
    /// Frames up to this size; larger writes are split (the server accepts the same).
    static let maxFrameSize = 1 << 20

    private let lock = NSLock()
    private var outbound: WebSocketOutboundWriter?
    private var ready: CheckedContinuation<Void, any Error>?
    private var closing = false
    private let incoming: AsyncThrowingStream<Data, any Error>
    private let incomingContinuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var iterator: AsyncThrowingStream<Data, any Error>.AsyncIterator
    private var connection: Task<Void, Never>?

    private init() {
        (incoming, incomingContinuation) = AsyncThrowingStream.makeStream(of: Data.self)
        iterator = incoming.makeAsyncIterator()
    }

    /// Connects to `url` (`ws://` or `wss://`) with `headers`; returns once the server has
    /// accepted the upgrade, or throws what stopped it.
    static func connect(url: String, headers: HTTPFields) async throws -> WebSocketByteStream {
        let stream = WebSocketByteStream()
        let configuration = WebSocketClientConfiguration(maxFrameSize: maxFrameSize, additionalHeaders: headers, closeTimeout: .seconds(5))
        let logger: Logger = {
            var logger = Logger(label: "ame.tunnel")
            logger.logLevel = .critical
            return logger
        }()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            stream.lock.withLock { stream.ready = continuation }
            stream.connection = Task.detached {
                do {
                    try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                        try await stream.serve(inbound: inbound, outbound: outbound)
                    }
                    stream.ended(error: nil)
                } catch {
                    stream.ended(error: error)
                }
            }
        }
        return stream
    }

    /// The WebSocket's life: queue what arrives until the server closes it or `close()`.
    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let waiting = lock.withLock { () -> CheckedContinuation<Void, any Error>? in
            self.outbound = outbound
            defer { ready = nil }
            return ready
        }
        waiting?.resume()
        do {
            for try await frame in inbound {
                switch frame.opcode {
                case .binary, .continuation:
                    incomingContinuation.yield(Data(frame.data.readableBytesView))
                case .text:
                    // The service will send no more: the reader sees the end.
                    if String(buffer: frame.data) == TunnelFrames.endOfStream { incomingContinuation.finish() }
                }
            }
        } catch {
            incomingContinuation.finish(throwing: error)
        }
        incomingContinuation.finish()
    }

    /// The WebSocket is gone: before the upgrade, `connect` throws; after it, readers see the end.
    private func ended(error: (any Error)?) {
        let waiting = lock.withLock { () -> CheckedContinuation<Void, any Error>? in
            defer { ready = nil; outbound = nil }
            return ready
        }
        waiting?.resume(throwing: error ?? WebSocketClientError.webSocketUpgradeFailed)
        if let error { incomingContinuation.finish(throwing: error) } else { incomingContinuation.finish() }
    }

    func read() async throws -> Data? {
        // One reader at a time, as with a socket.
        var current = lock.withLock { iterator }
        let next = try await current.next()
        lock.withLock { iterator = current }
        return next
    }

    func write(_ data: Data) async throws {
        guard let outbound = lock.withLock({ outbound }) else {
            throw APIError(.unavailable, "the tunnel has closed")
        }
        try await outbound.writeBinaryMessage(ByteBuffer(bytes: data))
    }

    func closeWrite() async {
        guard let outbound = lock.withLock({ outbound }) else { return }
        try? await outbound.write(.text(TunnelFrames.endOfStream))
    }

    func close() async {
        let outbound = lock.withLock { () -> WebSocketOutboundWriter? in
            if closing { return nil }
            closing = true
            return self.outbound
        }
        try? await outbound?.close(.normalClosure, reason: nil)
        connection?.cancel()
    }
}
