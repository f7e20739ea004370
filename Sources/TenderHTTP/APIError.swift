import Hummingbird
import Logging
import Tender
import TenderOpenAPI

/// A refusal of the JSON API: a status and the `{"error": {"code", "message"}}` body.
///
/// Messages name fields and rules, never the values sent (a BLIK code must not come back in an
/// error).
public struct APIError: Error, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The body.
    public let body: Components.Schemas.ErrorBody

    /// Creates an error answered with `status`.
    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.body = Components.Schemas.ErrorBody(code: code, message: message)
    }

    /// The response, for what answers outside the generated API (authentication, body limits,
    /// undeclared methods).
    func response() throws -> Response {
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

    /// 400 `invalid_query`.
    static func invalidQuery(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_query", message: message)
    }

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

    /// The answer to any error of a request: refusals keep their codes; anything else means the
    /// database could not do it now (503, safe to retry with the same key).
    init(_ error: any Error, logger: Logger) {
        switch error {
        case let error as APIError: self = error
        case let error as StoreError: self.init(error)
        case let error as ValidationError: self.init(error)
        default:
            logger.debug("request not completed", metadata: ["error": "\(error)"])
            self = .unavailable
        }
    }
}
