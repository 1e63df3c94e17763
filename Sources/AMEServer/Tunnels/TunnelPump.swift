import AMECore
import Foundation
import HummingbirdWebSocket
import NIOCore

/// Moves bytes between a WebSocket and a service connection until both directions have
/// ended. Binary frames carry data; the text frame `TunnelFrames.endOfStream` is a half
/// close (the sender will send no more), so a client that shuts down its sending side
/// still gets the whole answer, as over plain TCP.
enum TunnelPump {
    static func pump(service: any ByteStream, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        await withTaskGroup(of: Void.self) { group in
            // Service → client.
            group.addTask {
                while let data = try? await service.read() {
                    do {
                        try await outbound.writeBinaryMessage(ByteBuffer(bytes: data))
                    } catch {
                        return
                    }
                }
                try? await outbound.write(.text(TunnelFrames.endOfStream))
            }
            // Client → service, until the client closes the WebSocket.
            group.addTask {
                do {
                    for try await frame in inbound {
                        switch frame.opcode {
                        case .binary, .continuation:
                            try await service.write(Data(frame.data.readableBytesView))
                        case .text:
                            if String(buffer: frame.data) == TunnelFrames.endOfStream { await service.closeWrite() }
                        }
                    }
                } catch {}
                // Also wakes the reader above if the service is still sending.
                await service.close()
            }
        }
    }
}
