import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Sends an `Idempotency-Key` exactly as given. The generated code writes a header's value
/// URI-encoded, but Tender takes a key as sent, so the encoding is undone: the key an order system
/// chooses is the key Tender stores, whatever client sent it.
struct IdempotencyKeyMiddleware: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let encoded = request.headerFields[.idempotencyKey], let key = encoded.removingPercentEncoding {
            request.headerFields[.idempotencyKey] = key
        }
        return try await next(request, body, baseURL)
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`.
    static var idempotencyKey: Self { Self("Idempotency-Key")! }  // a valid field name: cannot fail
}
