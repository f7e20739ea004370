import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import TenderOpenAPI

/// A client of Tender's `/v1` API for order systems written in Swift: the code generated from
/// docs/openapi.yaml over AsyncHTTPClient, with the bearer token set and every refusal thrown as a
/// ``TenderClientError``.
///
/// ```swift
/// let tender = TenderClient(serverURL: URL(string: "https://tender.internal:8080")!, token: token)
/// let submitted = try await tender.submit(payment, idempotencyKey: "order-1842-try-1")
/// ```
public struct TenderClient: Sendable {
    /// The generated client, for calls this type does not wrap.
    public let api: Client

    /// Creates a client.
    /// - Parameters:
    ///   - serverURL: where the worker listens, such as `http://127.0.0.1:8080`.
    ///   - token: the worker's `TENDER_API_TOKEN`, or `nil` for a worker without one.
    ///   - httpClient: the HTTP client to send with; the shared one by default.
    ///   - timeout: how long one request may take; longer than a long poll's wait.
    public init(serverURL: URL, token: String?, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(60)) {
        api = Client(
            serverURL: serverURL, configuration: .tender,
            transport: AsyncHTTPClientTransport(configuration: .init(client: httpClient, timeout: timeout)),
            middlewares: [IdempotencyKeyMiddleware()] + (token.map { [BearerTokenMiddleware(token: $0)] } ?? [])
        )
    }

    /// Submits a payment attempt with the payer's BLIK code; a replay with the same key and
    /// request answers with the stored attempt.
    public func submit(_ payment: PaymentRequest, idempotencyKey: String) async throws -> Recorded<AttemptAnswer> {
        switch try await api.submitPayment(headers: .init(idempotencyKey: idempotencyKey), body: .json(payment)) {
        case .created(let answer): return Recorded(try answer.body.json, replayed: false)
        case .ok(let answer): return Recorded(try answer.body.json, replayed: true)
        case .badRequest(let refusal): throw TenderClientError(status: 400, refusal)
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .conflict(let refusal): throw TenderClientError(status: 409, refusal)
        case .contentTooLarge(let refusal): throw TenderClientError(status: 413, refusal)
        case .unsupportedMediaType(let refusal): throw TenderClientError(status: 415, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }

    /// A payment with its attempts, their history and its refunds; `nil` when Tender has none.
    public func payment(_ paymentID: String) async throws -> Payment? {
        try TenderClientError.checkPaymentID(paymentID)
        switch try await api.showPayment(path: .init(paymentId: paymentID)) {
        case .ok(let answer): return try answer.body.json
        case .notFound: return nil
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }

    /// One page of payments, newest first; pass the page's `nextCursor` as `cursor` for the next.
    public func payments(
        state: State? = nil, createdAfter: Date? = nil, createdBefore: Date? = nil, limit: Int? = nil, cursor: String? = nil
    ) async throws -> PaymentList {
        let query = Operations.ListPayments.Input.Query(
            state: state, createdAfter: createdAfter, createdBefore: createdBefore, limit: limit, cursor: cursor)
        switch try await api.listPayments(query: query) {
        case .ok(let answer): return try answer.body.json
        case .badRequest(let refusal): throw TenderClientError(status: 400, refusal)
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }

    /// Refunds a paid payment: `amount` in minor units, or everything not refunded yet when
    /// `nil`. The refund is made by the workers; follow it in ``payment(_:)`` or the events.
    public func refund(
        paymentID: String, amount: Int64? = nil, reason: RefundReason? = nil, idempotencyKey: String
    ) async throws -> Recorded<Refund> {
        try TenderClientError.checkPaymentID(paymentID)
        let answer = try await api.refundPayment(
            path: .init(paymentId: paymentID), headers: .init(idempotencyKey: idempotencyKey), body: .json(.init(amount: amount, reason: reason)))
        switch answer {
        case .created(let answer): return Recorded(try answer.body.json, replayed: false)
        case .ok(let answer): return Recorded(try answer.body.json, replayed: true)
        case .badRequest(let refusal): throw TenderClientError(status: 400, refusal)
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .notFound(let refusal): throw TenderClientError(status: 404, refusal)
        case .conflict(let refusal): throw TenderClientError(status: 409, refusal)
        case .contentTooLarge(let refusal): throw TenderClientError(status: 413, refusal)
        case .unsupportedMediaType(let refusal): throw TenderClientError(status: 415, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }

    /// Cancels the payment's attempt in flight; answers with the canceled attempt.
    public func cancel(paymentID: String) async throws -> AttemptAnswer {
        try TenderClientError.checkPaymentID(paymentID)
        switch try await api.cancelPayment(path: .init(paymentId: paymentID)) {
        case .ok(let answer): return try answer.body.json
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .notFound(let refusal): throw TenderClientError(status: 404, refusal)
        case .conflict(let refusal): throw TenderClientError(status: 409, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }
}
