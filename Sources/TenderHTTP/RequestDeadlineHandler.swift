import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request does not arrive in full — head and body — within the
/// deadline, and one answered before its request had arrived in full.
///
/// An idle timeout restarts with every byte, so a client trickling one byte at a time holds a
/// connection for ever; this deadline does not restart. It runs from the moment the connection
/// can take a request (when it opens, and when the previous response was sent) until the
/// request's end has been read, so a keep-alive connection left idle is closed after it too. A
/// response written while its request is still arriving (a 401 before the body was read, a 413)
/// says `Connection: close`, and the connection stops serving once it is sent: its sending side
/// is shut, so the client sees the response end, and what the client still sends is dropped
/// until it closes or the deadline runs out. Closing both sides at once would answer the bytes
/// still arriving with a reset, which can destroy the response before the client reads it.
public final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?
    /// Between a request's head and its end.
    private var readingRequest = false
    /// Requests read in full whose responses are not sent yet (more than one when pipelined).
    private var awaitingResponses = 0
    /// The response being written was sent before its request had arrived in full.
    private var closesAfterResponse = false

    /// Creates the handler of one connection.
    /// - Parameter deadline: how long a request may take to arrive in full.
    public init(deadline: Duration) {
        self.deadline = TimeAmount(deadline)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            armTimer(context: context)
        }
    }

    public func channelActive(context: ChannelHandlerContext) {
        armTimer(context: context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        disarmTimer()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closesAfterResponse else { return }  // the rest of a request already answered
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
        case .body:
            break
        case .end:
            readingRequest = false
            awaitingResponses += 1
            disarmTimer()
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where readingRequest && awaitingResponses == 0:
            closesAfterResponse = true
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        case .end:
            context.writeAndFlush(data, promise: promise)
            if closesAfterResponse {
                shutOutput(context: context)
                return
            }
            awaitingResponses -= 1
            if awaitingResponses == 0 {
                armTimer(context: context)
            }
        }
    }

    /// Shuts the connection's sending side after the response, and closes it all when the
    /// deadline runs out first (or at once, where the channel cannot shut one side).
    private func shutOutput(context: ChannelHandlerContext) {
        armTimer(context: context)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let shut = context.eventLoop.makePromise(of: Void.self)
        shut.futureResult.whenFailure { _ in loopBound.value.close(promise: nil) }
        context.close(mode: .output, promise: shut)
    }

    private func armTimer(context: ChannelHandlerContext) {
        disarmTimer()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: deadline) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarmTimer() {
        timer?.cancel()
        timer = nil
    }
}
