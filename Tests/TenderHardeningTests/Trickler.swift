import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client that sends a request's head at once and then its body a byte at a time, for ever:
/// only the server can end its connection.
final class Trickler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    /// What the server sent, and whether it closed the connection.
    struct Outcome: Sendable {
        var received = ""
        var closed = false
    }

    private let outcome = NIOLockedValueBox(Outcome())

    /// What the server has done so far.
    var seen: Outcome { outcome.withLockedValue { $0 } }

    /// Connects to `port` on the loopback address, sends `head`, then a byte every `interval`.
    static func start(port: Int, head: String, interval: TimeAmount) async throws -> Trickler {
        let trickler = Trickler()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(60))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(trickler) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        channel.writeAndFlush(ByteBuffer(string: head), promise: nil)
        let drip = channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            channel.writeAndFlush(ByteBuffer(string: " "), promise: nil)
        }
        channel.closeFuture.whenComplete { _ in drip.cancel() }
        return trickler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        outcome.withLockedValue { $0.received += String(buffer: bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.withLockedValue { $0.closed = true }
        context.fireChannelInactive()
    }
}
