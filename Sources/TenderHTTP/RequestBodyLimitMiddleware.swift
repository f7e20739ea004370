import Hummingbird
import NIOCore

/// Reads a request's body up to a limit before the route sees it, answering 413 beyond; the
/// generated API would otherwise collect a body of any size.
struct RequestBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The largest body accepted, in bytes.
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            return try APIError.bodyTooLarge(limit: limit).response()
        }
        return try await next(request, context)
    }
}
