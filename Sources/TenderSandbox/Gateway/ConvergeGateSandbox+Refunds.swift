import Foundation

extension ConvergeGateSandbox {
    private static let refundReasons: Set<String> = ["requested_by_customer", "duplicated", "fraudulent"]

    /// `POST /v1/refunds`: refunds part or all of what is left of a completed session.
    func createRefund(_ parameters: FormParameters) throws(SandboxAPIError) -> SandboxResponse {
        if let unknown = parameters.unknownParameter(allowed: ["session_id", "amount", "reason"]) {
            throw .invalidRequest("Received unknown parameter: \(unknown).", param: unknown)
        }
        let sessionID = try Self.required("session_id", in: parameters)
        guard self.sessions[sessionID] != nil else {
            throw .notFound("checkout session", param: "session_id")
        }
        self.expireIfDue(sessionID)
        guard let session = self.sessions[sessionID], session.status == .completed else {
            throw .invalidRequest("Only a completed checkout session can be refunded.", param: "session_id")
        }
        let left = session.amount - session.amountRefunded
        guard left > 0 else {
            throw .invalidRequest("This checkout session has already been refunded in full.", param: "session_id")
        }
        var amount = left
        if let amountText = parameters["amount"] {
            guard let requested = Int(amountText), requested > 0 else {
                throw .invalidRequest("Invalid amount: must be a positive integer in minor units.", param: "amount")
            }
            guard requested <= left else {
                throw .invalidRequest("Refund amount (\(requested)) is greater than what is left to refund (\(left)).", param: "amount")
            }
            amount = requested
        }
        let reason = parameters["reason"]
        if let reason, !Self.refundReasons.contains(reason) {
            throw .invalidRequest("Invalid reason: must be one of requested_by_customer, duplicated, fraudulent.", param: "reason")
        }
        let refund = Refund(
            id: SandboxIdentifier.refund(),
            sessionID: sessionID,
            amount: amount,
            status: .pending,
            reason: reason,
            metadata: parameters.metadata,
            createdAt: Date()
        )
        self.refunds[refund.id] = refund
        self.refundOrder.append(refund.id)
        self.sessions[sessionID]?.amountRefunded += amount
        self.sessions[sessionID]?.refundIDs.append(refund.id)
        let delay = self.configuration.bank.refundSettlementDelay.sample(using: &self.generator)
        self.schedule(.settleRefund(refundID: refund.id), after: self.scaled(delay))
        return SandboxResponse(status: 200, body: SandboxResponse.json(RefundBody(refund: refund, livemode: self.livemode)))
    }

    /// `GET /v1/refunds/{id}`.
    func retrieveRefund(id: String) throws(SandboxAPIError) -> SandboxResponse {
        guard let refund = self.refunds[id] else { throw .notFound("refund") }
        return SandboxResponse(status: 200, body: SandboxResponse.json(RefundBody(refund: refund, livemode: self.livemode)))
    }

    /// A pending refund settles: `succeeded`, or `failed` (the amount is available again).
    func settleRefund(refundID id: String) {
        guard let refund = self.refunds[id], refund.status == .pending else { return }
        if self.generator.chance(self.configuration.bank.refundFailureRate) {
            self.refunds[id]?.status = .failed
            self.sessions[refund.sessionID]?.amountRefunded -= refund.amount
        } else {
            self.refunds[id]?.status = .succeeded
        }
    }
}
