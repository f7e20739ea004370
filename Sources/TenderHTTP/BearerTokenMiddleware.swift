import Hummingbird
import Metrics

/// Lets a request through only with `Authorization: Bearer <token>` matching the configured
/// ``APIToken`` (compared in constant time).
///
/// A refused request answers 401 with the error object and counts in
/// `tender_api_unauthorized_total`; nothing else about it is recorded (no log line, no header,
/// no token).
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The token requests must present.
    public let token: APIToken
    private let unauthorized: Counter

    /// Creates the middleware.
    /// - Parameters:
    ///   - token: the token requests must present.
    ///   - metricsFactory: where the refusal counter lives (the global factory by default).
    public init(token: APIToken, metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.token = token
        self.unauthorized = Counter(label: "tender_api_unauthorized_total", factory: metricsFactory)
    }

    /// Checks the token, then hands the request on.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], Self.bearer(header).map(token.matches) == true else {
            unauthorized.increment()
            var response = try APIError.unauthorized.response()
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// The credentials of a `Bearer` authorization header (the scheme in any case).
    static func bearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }
}
