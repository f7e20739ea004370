import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import TenderOpenAPI

/// Answers a request the generated code could not decode with the API's error object: 400
/// `malformed_request`, `unknown_field`, `missing_idempotency_key` or `invalid_query`, 415 or
/// 406. The generated server throws these as `ServerError`s before the operation runs.
///
/// A `ServerError` describes the request and its decoded input, which may hold a BLIK code: only
/// the operation and the kind of failure are logged, never the error itself.
struct RequestRefusalMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch let error as ServerError {
            let refusal = refusal(for: error)
            let data = try JSONEncoder().encode(refusal.body)
            var response = HTTPResponse(status: refusal.status)
            response.headerFields[.contentType] = "application/json; charset=utf-8"
            return (response, HTTPBody(data))
        }
    }

    /// The error object for a request the generated code refused.
    func refusal(for error: ServerError) -> APIError {
        switch error.httpStatus {
        case .unsupportedMediaType:
            return APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "the body must be application/json")
        case .notAcceptable:
            return APIError(.notAcceptable, code: "not_acceptable", message: "answers are application/json")
        case let status where status.kind == .clientError:
            break
        default:
            logger.error(
                "operation failed", metadata: ["operation": "\(error.operationID)", "error_type": "\(type(of: error.underlyingError))"])
            return APIError(.internalServerError, code: "internal_error", message: "the request could not be answered")
        }
        if Self.takesIdempotencyKey(error.operationID), error.request.headerFields[.idempotencyKey] == nil {
            return APIError(.badRequest, code: "missing_idempotency_key", message: "the Idempotency-Key header is required")
        }
        let decoding = error.underlyingError as? DecodingError
        if error.request.method == .get {
            return .invalidQuery(decoding == nil ? "a required query parameter is missing" : "a query parameter is malformed")
        }
        if case .dataCorrupted(let context) = decoding, context.debugDescription.hasPrefix("Additional properties are disabled") {
            return APIError(.badRequest, code: "unknown_field", message: "unknown field \(Self.path(context.codingPath))")
        }
        return APIError(.badRequest, code: "malformed_request", message: decoding.map(Self.describe) ?? "the body is missing or not JSON")
    }

    private static func takesIdempotencyKey(_ operationID: String) -> Bool {
        operationID == Operations.SubmitPayment.id || operationID == Operations.RefundPayment.id
    }

    /// Where and what kind of decoding error, without the value (it may be a secret).
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context.codingPath)) is malformed"
        @unknown default:
            return "the request is malformed"
        }
    }

    /// A coding path as `customer.email`, with a name that is not short printable ASCII replaced,
    /// so that nothing odd is echoed.
    static func path(_ codingPath: [any CodingKey]) -> String {
        let joined = codingPath.map { key in
            key.intValue.map { "[\($0)]" } ?? key.stringValue
        }
        .joined(separator: ".")
        guard !joined.isEmpty else { return "the body" }
        let printable = joined.utf8.count <= 128 && joined.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
        return printable ? joined : "(an unprintable or long name)"
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`.
    static var idempotencyKey: Self { Self("Idempotency-Key")! }  // a valid field name: cannot fail
}
