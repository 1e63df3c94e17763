import NIOCore

/// Lets a connection read up to 1 MiB from its socket at a time, where NIO stops growing its
/// reads at 64 KiB. Each read becomes one piece of a request body handed from the event loop
/// to the route's task, so a blob upload arrives in a sixteenth of the pieces, and of the
/// hand-overs. The size adapts to what the socket holds: an idle connection keeps a small buffer.
final class LargeReads: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let maximum = 1 << 20

    func handlerAdded(context: ChannelHandlerContext) {
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximum)
        try? context.channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: allocator)
    }
}
