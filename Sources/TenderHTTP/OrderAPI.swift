import Logging
import Tender
import TenderOpenAPI

/// The order system's `/v1` API, implementing the operations swift-openapi-generator made of
/// docs/openapi.yaml: every answer is one the document declares for its operation.
///
/// Requests arrive decoded (unknown fields already refused); this type applies the rules the
/// types cannot state, calls the engine, and answers with the error object on a refusal.
public struct OrderAPI: APIProtocol {
    /// The engine behind the API.
    public let engine: PaymentEngine
    /// Where failures that are not refusals are logged (at debug: the client sees a 503).
    public let logger: Logger

    /// Creates the API.
    public init(engine: PaymentEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// `POST /v1/payments`: stores a new attempt, or answers a replay with the stored one.
    public func submitPayment(_ input: Operations.SubmitPayment.Input) async throws -> Operations.SubmitPayment.Output {
        do {
            let key = try RequestRules.idempotencyKey(input.headers.idempotencyKey)
            guard case .json(let body) = input.body else { preconditionFailure("the only content type declared") }
            let payment = try body.validated()
            let result = try await engine.submit(
                paymentID: payment.paymentID, amount: payment.amount, customer: payment.customer, code: payment.code, idempotencyKey: key
            )
            let answer = Components.Schemas.AttemptAnswer(result.attempt)
            return result.replayed ? .ok(.init(body: .json(answer))) : .created(.init(body: .json(answer)))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }

    /// `GET /v1/payments`: a page of payments, newest first.
    public func listPayments(_ input: Operations.ListPayments.Input) async throws -> Operations.ListPayments.Output {
        do {
            let parameters = input.query
            var query = PaymentQuery(
                state: parameters.state.map(AttemptState.init), createdAfter: parameters.createdAfter, createdBefore: parameters.createdBefore,
                limit: try RequestRules.integer(parameters.limit, "limit", default: 50, in: 1...RequestRules.maximumPageSize)
            )
            if let token = parameters.cursor {
                guard let cursor = PaymentCursor(token: token) else {
                    throw APIError(.unprocessableContent, code: "invalid_cursor", message: "cursor is not one this API gave")
                }
                query.cursor = cursor
            }
            return .ok(.init(body: .json(.init(try await engine.payments(matching: query)))))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }

    /// `GET /v1/payments/{payment_id}`: the payment, its attempts, history and refunds.
    public func showPayment(_ input: Operations.ShowPayment.Input) async throws -> Operations.ShowPayment.Output {
        do {
            let id = try RequestRules.paymentID(input.path.paymentId)
            guard let record = try await engine.payment(id) else {
                throw APIError(.notFound, code: "not_found", message: "no such payment")
            }
            return .ok(.init(body: .json(.init(record))))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }

    /// `POST /v1/payments/{payment_id}/refunds`: records a refund, or answers a replay with it.
    public func refundPayment(_ input: Operations.RefundPayment.Input) async throws -> Operations.RefundPayment.Output {
        do {
            let id = try RequestRules.paymentID(input.path.paymentId)
            let key = try RequestRules.idempotencyKey(input.headers.idempotencyKey)
            guard case .json(let body) = input.body else { preconditionFailure("the only content type declared") }
            let requested = try await engine.refund(
                paymentID: id, amount: body.amount, reason: body.reason.map(RefundReason.init) ?? .requestedByCustomer, idempotencyKey: key
            )
            let refund = Components.Schemas.Refund(requested.refund)
            return requested.replayed ? .ok(.init(body: .json(refund))) : .created(.init(body: .json(refund)))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }

    /// `POST /v1/payments/{payment_id}/cancel`: ends the attempt in flight `canceled`.
    public func cancelPayment(_ input: Operations.CancelPayment.Input) async throws -> Operations.CancelPayment.Output {
        do {
            let attempt = try await engine.cancel(paymentID: try RequestRules.paymentID(input.path.paymentId))
            return .ok(.init(body: .json(.init(attempt))))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }
}
