import Foundation
import Hummingbird
import Logging
import Tender

/// `POST /v1/payments`, `GET /v1/payments`, `GET /v1/payments/{payment_id}`,
/// `POST /v1/payments/{payment_id}/cancel` and `POST /v1/payments/{payment_id}/refunds`: the order
/// system submits payments, lists and reads them, cancels and refunds them.
public struct PaymentRoutes<Context: RequestContext>: Sendable {
    /// The engine that takes the payments.
    public let engine: PaymentEngine
    /// The largest request body accepted, in bytes.
    public let maximumBodySize: Int

    /// The most payments in one page of the list.
    public static var maximumPageSize: Int { 200 }

    /// The longest `Idempotency-Key` accepted.
    public static var maximumIdempotencyKeyLength: Int { 255 }

    /// Creates the routes.
    public init(engine: PaymentEngine, maximumBodySize: Int = 16 * 1024) {
        self.engine = engine
        self.maximumBodySize = maximumBodySize
    }

    /// Adds the routes under `group` (normally `/v1`).
    public func add(to group: RouterGroup<Context>) {
        group.post("payments") { request, context in
            try await submit(request, context: context)
        }
        group.get("payments") { request, context in
            try await list(request, context: context)
        }
        group.get("payments/{payment_id}") { request, context in
            try await show(request, context: context)
        }
        group.post("payments/{payment_id}/refunds") { request, context in
            try await refund(request, context: context)
        }
        group.post("payments/{payment_id}/cancel") { _, context in
            try await cancel(context: context)
        }
    }

    /// The `Idempotency-Key` header.
    /// - Throws: 400 when it is missing, empty, too long or not printable ASCII.
    private static func idempotencyKey(of request: Request) throws -> String {
        guard let key = request.headers[.idempotencyKey] else {
            throw APIError(.badRequest, code: "missing_idempotency_key", message: "the Idempotency-Key header is required")
        }
        guard !key.isEmpty, key.utf8.count <= Self.maximumIdempotencyKeyLength, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError(
                .badRequest, code: "invalid_idempotency_key",
                message: "the Idempotency-Key header must be 1 to \(Self.maximumIdempotencyKeyLength) printable ASCII characters"
            )
        }
        return key
    }

    /// The `payment_id` path parameter.
    /// - Throws: 422 for an id the domain refuses.
    private static func paymentID(of context: Context) throws -> PaymentID {
        let raw = try context.parameters.require("payment_id")
        do {
            return try PaymentID(validating: raw.removingPercentEncoding ?? raw)
        } catch {
            throw APIError(error)
        }
    }

    private func submit(_ request: Request, context: Context) async throws -> Response {
        let key = try Self.idempotencyKey(of: request)
        let body = try await JSONBody.decode(SubmitPaymentRequest.self, from: request, limit: maximumBodySize)
        let payment: SubmitPaymentRequest.Validated
        do {
            payment = try body.validated()
        } catch {
            throw APIError(error)
        }
        let result: SubmitResult
        do {
            result = try await engine.submit(
                paymentID: payment.paymentID, amount: payment.amount, customer: payment.customer,
                code: payment.code, idempotencyKey: key
            )
        } catch {
            throw Self.translate(error, logger: context.logger)
        }
        let view = SubmittedPaymentView(
            paymentID: result.attempt.paymentID, attemptID: result.attempt.id.description,
            state: result.attempt.state, deadline: result.attempt.deadline
        )
        return try JSONBody.response(view, status: result.replayed ? .ok : .created)
    }

    private func show(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.paymentID(of: context)
        let record: PaymentRecord?
        do {
            record = try await engine.payment(id)
        } catch {
            throw Self.translate(error, logger: context.logger)
        }
        guard let record else {
            throw APIError(.notFound, code: "not_found", message: "no such payment")
        }
        return try JSONBody.response(PaymentView(record))
    }

    private func list(_ request: Request, context: Context) async throws -> Response {
        var query = PaymentQuery(
            state: try QueryParameter.value(request, "state", as: AttemptState.self),
            createdAfter: try QueryParameter.date(request, "created_after"),
            createdBefore: try QueryParameter.date(request, "created_before"),
            limit: Int(try QueryParameter.integer(request, "limit", default: 50, in: 1...Int64(Self.maximumPageSize)))
        )
        if let token = request.uri.queryParameters.get("cursor") {
            guard let cursor = PaymentCursor(token: token) else {
                throw QueryParameter.invalid("cursor is not one this API gave")
            }
            query.cursor = cursor
        }
        let page: PaymentPage
        do {
            page = try await engine.payments(matching: query)
        } catch {
            throw Self.translate(error, logger: context.logger)
        }
        return try JSONBody.response(PaymentListView(page))
    }

    private func cancel(context: Context) async throws -> Response {
        let id = try Self.paymentID(of: context)
        let attempt: Attempt
        do {
            attempt = try await engine.cancel(paymentID: id)
        } catch {
            throw Self.translate(error, logger: context.logger)
        }
        let view = SubmittedPaymentView(
            paymentID: attempt.paymentID, attemptID: attempt.id.description, state: attempt.state, deadline: attempt.deadline)
        return try JSONBody.response(view)
    }

    private func refund(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.paymentID(of: context)
        let key = try Self.idempotencyKey(of: request)
        let body = try await JSONBody.decode(RefundPaymentRequest.self, from: request, limit: maximumBodySize)
        let reason = try body.refundReason()
        let requested: RequestedRefund
        do {
            requested = try await engine.refund(paymentID: id, amount: body.amount, reason: reason, idempotencyKey: key)
        } catch {
            throw Self.translate(error, logger: context.logger)
        }
        return try JSONBody.response(RefundView(requested.refund), status: requested.replayed ? .ok : .created)
    }

    /// The answer to an error from the engine: the store's refusals keep their codes; anything else
    /// means the database could not do it now (503, safe to retry with the same key).
    static func translate(_ error: any Error, logger: Logger) -> APIError {
        if let error = error as? StoreError {
            return APIError(error)
        }
        if let error = error as? ValidationError {
            return APIError(error)
        }
        logger.debug("request not completed", metadata: ["error": "\(error)"])
        return .unavailable
    }
}

extension HTTPFields.Element.Name {
    /// `Idempotency-Key`.
    static var idempotencyKey: Self { Self("Idempotency-Key")! }  // a valid field name: cannot fail
}
