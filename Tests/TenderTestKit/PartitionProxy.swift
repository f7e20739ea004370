import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy that can cut the path between its clients and their server without closing
/// anything, as a network that drops every packet would: while cut, no byte and no close passes
/// either way; once healed, what was held back passes in order, as TCP would retransmit it.
///
/// The proxy's own kernel still acknowledges what clients send, so client-side TCP timeouts
/// (`tcp_user_timeout`, keepalives) do not fire; the server's timeouts (`statement_timeout`,
/// `idle_in_transaction_session_timeout`) and the clients' own deadlines do.
public final class PartitionProxy: Sendable {
    /// The port clients connect to, on the loopback address.
    public let port: Int
    private let listener: any Channel
    private let switchboard: Switchboard

    private init(port: Int, listener: any Channel, switchboard: Switchboard) {
        self.port = port
        self.listener = listener
        self.switchboard = switchboard
    }

    /// Starts a proxy to `host`:`targetPort` on a free loopback port.
    public static func start(forwardingTo host: String, port targetPort: Int) async throws -> PartitionProxy {
        let switchboard = Switchboard()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { client in
                client.eventLoop.makeCompletedFuture {
                    let toServer = Relay(switchboard: switchboard)
                    try client.pipeline.syncOperations.addHandler(toServer)
                    let bound = NIOLoopBound(toServer, eventLoop: client.eventLoop)
                    switchboard.register(bound)
                    ClientBootstrap(group: client.eventLoop)
                        .channelInitializer { server in
                            server.eventLoop.makeCompletedFuture {
                                let toClient = Relay(switchboard: switchboard, partner: client)
                                try server.pipeline.syncOperations.addHandler(toClient)
                                switchboard.register(NIOLoopBound(toClient, eventLoop: server.eventLoop))
                            }
                        }
                        .connect(host: host, port: targetPort)
                        .whenComplete { result in
                            switch result {
                            case .success(let server):
                                bound.value.partner = server
                                bound.value.forward()
                            case .failure:
                                client.close(promise: nil)
                            }
                        }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return PartitionProxy(port: listener.localAddress?.port ?? 0, listener: listener, switchboard: switchboard)
    }

    /// Stops everything from passing, closing nothing.
    public func cut() {
        switchboard.setCut(true)
    }

    /// Lets everything pass again, starting with what was held back.
    public func heal() {
        switchboard.setCut(false)
    }

    /// Stops listening and closes every connection.
    public func close() async {
        switchboard.closeAll()
        try? await listener.close()
    }
}

/// The proxy's shared state: whether the path is cut, and every relay.
private final class Switchboard: Sendable {
    private struct State {
        var isCut = false
        var relays: [NIOLoopBound<Relay>] = []
    }

    private let state = NIOLockedValueBox(State())

    var isCut: Bool { state.withLockedValue { $0.isCut } }

    func register(_ relay: NIOLoopBound<Relay>) {
        state.withLockedValue { $0.relays.append(relay) }
    }

    func setCut(_ isCut: Bool) {
        let relays = state.withLockedValue { state in
            state.isCut = isCut
            return state.relays
        }
        guard !isCut else { return }
        for relay in relays {
            relay.eventLoop.execute { relay.value.forward() }
        }
    }

    func closeAll() {
        for relay in state.withLockedValue({ $0.relays }) {
            relay.eventLoop.execute { relay.value.close() }
        }
    }
}

/// One direction of one connection: what it reads goes to its partner, unless the path is cut.
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let switchboard: Switchboard
    /// Where the bytes go; nil until the connection to the server is made.
    var partner: (any Channel)?
    private var held: [ByteBuffer] = []
    private var peerClosed = false
    private var context: ChannelHandlerContext?

    init(switchboard: Switchboard, partner: (any Channel)? = nil) {
        self.switchboard = switchboard
        self.partner = partner
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        held.append(unwrapInboundIn(data))
        forward()
    }

    func channelInactive(context: ChannelHandlerContext) {
        peerClosed = true
        forward()
        context.fireChannelInactive()
    }

    /// Passes on what is held, and a close, unless the path is cut.
    func forward() {
        guard !switchboard.isCut, let partner else { return }
        for bytes in held {
            partner.write(bytes, promise: nil)
        }
        held = []
        partner.flush()
        if peerClosed {
            partner.close(promise: nil)
        }
    }

    func close() {
        context?.close(promise: nil)
    }
}
