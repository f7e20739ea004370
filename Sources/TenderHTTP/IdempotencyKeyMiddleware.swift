import HTTPTypes
import OpenAPIRuntime

/// Keeps an `Idempotency-Key` exactly as sent. The generated code reads a header's value as
/// URI-encoded text (percent escapes decoded, commas separating values), but a key is opaque
/// printable ASCII: its `%` and `,` are escaped first, so that decoding gives back the key sent.
struct IdempotencyKeyMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let key = request.headerFields[.idempotencyKey] {
            request.headerFields[.idempotencyKey] = key.replacing("%", with: "%25").replacing(",", with: "%2C")
        }
        return try await next(request, body, metadata)
    }
}
