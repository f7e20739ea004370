extension ConvergeGateSandbox {
    /// What the sandbox did so far.
    public func ledger() -> SandboxLedger {
        SandboxLedger(
            sessions: self.sessionOrder.compactMap { self.sessions[$0] }.map { session in
                SandboxLedger.Session(
                    id: session.id,
                    status: session.status,
                    amount: session.amount,
                    amountRefunded: session.amountRefunded,
                    createdAt: session.createdAt,
                    payCalls: session.payCalls,
                    acceptedPayCalls: session.acceptedPayCalls,
                    completedAt: session.completedAt,
                    expiredAt: session.expiredAt
                )
            },
            charges: self.charges,
            refunds: self.refundOrder.compactMap { self.refunds[$0] }.map { refund in
                SandboxLedger.Refund(id: refund.id, sessionID: refund.sessionID, amount: refund.amount, status: refund.status)
            },
            webhookEvents: self.webhookEvents,
            webhookAttempts: self.webhookAttempts,
            requestCounts: self.requestCounts
        )
    }
}
