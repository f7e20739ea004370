import Tender

/// Holds pays until a test opens it, so an engine keeps their tasks leased meanwhile.
actor PayGate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Returns once the gate is open.
    func pass() async {
        guard !isOpen else { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Lets every pay through, now and later.
    func open() {
        isOpen = true
        for continuation in waiting {
            continuation.resume()
        }
        waiting = []
    }
}

/// A gateway whose pays wait at a ``PayGate`` before they reach the gateway behind it.
struct GatedGateway: PaymentGateway {
    let base: any PaymentGateway
    let gate: PayGate

    var currencies: Set<Currency> { base.currencies }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await base.createSession(request, idempotencyKey: idempotencyKey)
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        await gate.pass()
        return try await base.pay(sessionID: sessionID, code: code, idempotencyKey: idempotencyKey)
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        try await base.session(id: id)
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        try await base.refund(sessionID: sessionID, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        try await base.refund(id: id)
    }
}
