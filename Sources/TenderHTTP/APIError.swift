import Hummingbird
import Tender

/// A refusal of the JSON API: a status and the `{"error": {"code", "message"}}` body.
///
/// Handlers throw it; Hummingbird turns it into the response. Messages name fields and rules,
/// never the values sent (a BLIK code must not come back in an error).
public struct APIError: HTTPResponseError, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The body.
    public let body: ErrorResponse

    /// Creates an error answered with `status`.
    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.body = ErrorResponse(code: code, message: message)
    }

    /// The response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try body.response(status: status)
    }

    /// 401 for a missing or wrong bearer token.
    static let unauthorized = APIError(.unauthorized, code: "unauthorized", message: "a valid bearer token is required")

    /// 413 for a body over `limit` bytes.
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "body_too_large", message: "the body exceeds \(limit) bytes")
    }

    /// 503 when the database could not do what was asked.
    static let unavailable = APIError(.serviceUnavailable, code: "unavailable", message: "the database is unavailable; retry later")

    /// 422 for input the domain refuses.
    init(_ error: ValidationError) {
        self.init(.unprocessableContent, code: error.code.description, message: error.description)
    }

    /// The answer to a store's refusal: 409 for conflicts, 422 for a refund of more than is left,
    /// 404, or 503.
    init(_ error: StoreError) {
        switch error.code {
        case .idempotencyConflict, .attemptInFlight, .paymentCompleted, .paymentMismatch, .paymentNotCompleted, .attemptFinished:
            self.init(.conflict, code: error.code.description, message: error.message)
        case .amountExceedsRefundable:
            self.init(.unprocessableContent, code: error.code.description, message: error.message)
        case .notFound:
            self.init(.notFound, code: error.code.description, message: error.message)
        default:
            self = .unavailable
        }
    }
}
