import Foundation
import Tender

/// A gateway that passes every call on to a real one and writes down who made it and what came
/// back, so a test can tell which engine called the gateway and whether a call was repeated.
struct RecordingGateway: PaymentGateway {
    let base: any PaymentGateway
    /// The engine this gateway serves, written on every record.
    let workerID: String
    let log: GatewayLog

    var currencies: Set<Currency> { base.currencies }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await recorded(.createSession, key: idempotencyKey) { () async throws(GatewayError) in
            try await base.createSession(request, idempotencyKey: idempotencyKey)
        } sessionID: {
            $0.id
        }
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await recorded(.pay, key: idempotencyKey) { () async throws(GatewayError) in
            try await base.pay(sessionID: sessionID, code: code, idempotencyKey: idempotencyKey)
        } sessionID: {
            $0.id
        }
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        try await recorded(.retrieve, key: nil) { () async throws(GatewayError) in
            try await base.session(id: id)
        } sessionID: {
            $0.id
        }
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        try await recorded(.refund, key: idempotencyKey) { () async throws(GatewayError) in
            try await base.refund(sessionID: sessionID, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
        } sessionID: { _ in
            sessionID
        }
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        try await recorded(.retrieveRefund, key: nil) { () async throws(GatewayError) in
            try await base.refund(id: id)
        } sessionID: { _ in
            ""
        }
    }

    private func recorded<T: Sendable>(
        _ endpoint: GatewayLog.Endpoint, key: String?, _ call: () async throws(GatewayError) -> T, sessionID: (T) -> String
    ) async throws(GatewayError) -> T {
        let id = await log.started(endpoint, workerID: workerID, key: key)
        do throws(GatewayError) {
            let result = try await call()
            await log.finished(id, sessionID: sessionID(result))
            return result
        } catch {
            await log.finished(id, sessionID: nil)
            throw error
        }
    }
}

/// What a ``RecordingGateway`` saw, shared by every engine of a test.
actor GatewayLog {
    /// The gateway's endpoints.
    enum Endpoint: String, Sendable {
        case createSession, pay, retrieve, refund, retrieveRefund
    }

    /// One call.
    struct Call: Sendable {
        var endpoint: Endpoint
        var workerID: String
        /// The engine's idempotency key, `tender-<attempt id>-<call>`.
        var key: String?
        /// The session the answer named; `nil` while in flight or after a failure.
        var sessionID: String?
        var finished = false

        /// The attempt named in the idempotency key.
        var attemptID: String? {
            guard let key, key.hasPrefix("tender-") else { return nil }
            return String(key.dropFirst("tender-".count).prefix(36))
        }
    }

    private(set) var calls: [Call] = []

    func started(_ endpoint: Endpoint, workerID: String, key: String?) -> Int {
        calls.append(Call(endpoint: endpoint, workerID: workerID, key: key))
        return calls.count - 1
    }

    func finished(_ id: Int, sessionID: String?) {
        calls[id].finished = true
        calls[id].sessionID = sessionID
    }

    /// The calls to `endpoint`.
    func calls(to endpoint: Endpoint) -> [Call] {
        calls.filter { $0.endpoint == endpoint }
    }

    /// The calls of one worker still waiting for their answer.
    func inFlight(workerID: String) -> [Call] {
        calls.filter { $0.workerID == workerID && !$0.finished }
    }
}
