import Foundation

/// Compares Tender's records with the gateway's, session by session: the end-of-day proof that the
/// books match.
///
/// Every attempt with a gateway session in the window is read back from the gateway, at most
/// `readsPerSecond` reads a second (the engine's poll budget), and compared: the status (once the
/// attempt has its outcome), the amount, the currency, and the amount refunded (once no refund of
/// the attempt is still under way).
public struct Reconciler: Sendable {
    let store: any PaymentReads
    let gateway: any PaymentGateway
    let readsPerSecond: Double

    /// Creates a reconciler.
    public init(store: any PaymentReads, gateway: any PaymentGateway, readsPerSecond: Double) {
        self.store = store
        self.gateway = gateway
        self.readsPerSecond = max(readsPerSecond, 0.1)
    }

    /// Checks the sessions of attempts submitted since `since`.
    public func run(since: Date) async throws -> ReconciliationReport {
        let candidates = try await store.reconcilableAttempts(submittedSince: since)
        let clock = ContinuousClock()
        var nextRead = clock.now
        var report = ReconciliationReport(since: since, checked: 0, inFlight: 0, mismatches: [])
        for candidate in candidates {
            guard let sessionID = candidate.attempt.sessionID else { continue }
            try await clock.sleep(until: nextRead)
            nextRead = clock.now + .seconds(1 / readsPerSecond)
            report.checked += 1
            if candidate.attempt.state.isInFlight {
                report.inFlight += 1
            }
            do {
                let session = try await gateway.session(id: sessionID)
                report.mismatches += Self.compare(candidate, with: session)
            } catch {
                report.mismatches.append(
                    ReconciliationMismatch(
                        paymentID: candidate.attempt.paymentID, attemptID: candidate.attempt.id, sessionID: sessionID, field: "retrieve",
                        tender: candidate.attempt.state.rawValue, gateway: "\(error)"))
            }
        }
        return report
    }

    /// How one attempt and its gateway session disagree.
    public static func compare(_ candidate: ReconcilableAttempt, with session: GatewaySession) -> [ReconciliationMismatch] {
        let attempt = candidate.attempt
        func mismatch(_ field: String, _ tender: String, _ gateway: String) -> ReconciliationMismatch {
            ReconciliationMismatch(
                paymentID: attempt.paymentID, attemptID: attempt.id, sessionID: session.id, field: field, tender: tender, gateway: gateway)
        }
        var found: [ReconciliationMismatch] = []
        let paidAtGateway = session.status == .completed
        if !attempt.state.isInFlight, paidAtGateway != (attempt.state == .completed) {
            found.append(mismatch("status", attempt.state.rawValue, session.status.rawValue))
        }
        if session.amount != attempt.amount.minorUnits {
            found.append(mismatch("amount", "\(attempt.amount.minorUnits)", "\(session.amount)"))
        }
        if let currency = session.currency, currency != attempt.amount.currency.code {
            found.append(mismatch("currency", attempt.amount.currency.code, currency))
        }
        if candidate.refunds.allSatisfy(\.state.isFinal) {
            let refunded = candidate.refunds.filter { $0.state == .succeeded }.reduce(0) { $0 + $1.amount.minorUnits }
            if refunded != session.amountRefunded {
                found.append(mismatch("amount_refunded", "\(refunded)", "\(session.amountRefunded)"))
            }
        }
        return found
    }
}

/// An attempt with a gateway session and its refunds, as reconciliation compares them.
public struct ReconcilableAttempt: Sendable, Hashable {
    /// The attempt.
    public var attempt: Attempt
    /// Its refunds.
    public var refunds: [Refund]

    /// Creates one.
    public init(attempt: Attempt, refunds: [Refund]) {
        self.attempt = attempt
        self.refunds = refunds
    }
}
