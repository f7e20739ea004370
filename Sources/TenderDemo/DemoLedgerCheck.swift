import Tender
import TenderSandbox

/// Compares what Tender recorded with what the gateway did: every completed attempt's session is
/// completed in the sandbox's ledger with exactly one accepted pay call and one charge of the
/// attempt's amount; every charge belongs to a completed attempt; nothing else was charged.
struct DemoLedgerCheck: Sendable {
    /// The disagreements, one sentence each; empty when the books agree.
    private(set) var mismatches: [String] = []
    /// The charges in the ledger.
    let charges: Int

    init(attempts: [Attempt], ledger: SandboxLedger) {
        charges = ledger.charges.count
        let chargesBySession = Dictionary(grouping: ledger.charges, by: \.sessionID)
        let completedSessions = Set(attempts.filter { $0.state == .completed }.compactMap(\.sessionID))

        for attempt in attempts where attempt.state == .completed {
            guard let sessionID = attempt.sessionID else {
                mismatches.append("attempt \(attempt.id) is completed but has no gateway session")
                continue
            }
            guard let session = ledger.session(sessionID) else {
                mismatches.append("attempt \(attempt.id) is completed but the gateway has no session \(sessionID)")
                continue
            }
            if session.status != .completed {
                mismatches.append("attempt \(attempt.id) is completed but session \(sessionID) is \(session.status.rawValue)")
            }
            if session.acceptedPayCalls != 1 {
                mismatches.append("session \(sessionID) of attempt \(attempt.id) has \(session.acceptedPayCalls) accepted pay calls, not 1")
            }
            let sessionCharges = chargesBySession[sessionID] ?? []
            if sessionCharges.count != 1 {
                mismatches.append("session \(sessionID) of attempt \(attempt.id) was charged \(sessionCharges.count) times, not once")
            } else if Int64(sessionCharges[0].amount) != attempt.amount.minorUnits {
                mismatches.append("session \(sessionID) was charged \(sessionCharges[0].amount), the attempt is for \(attempt.amount.minorUnits)")
            }
        }
        let statesBySession = Dictionary(
            attempts.compactMap { attempt in attempt.sessionID.map { ($0, attempt.state) } }, uniquingKeysWith: { first, _ in first }
        )
        for charge in ledger.charges where !completedSessions.contains(charge.sessionID) {
            let state = statesBySession[charge.sessionID].map { "its attempt is \($0.rawValue)" } ?? "no attempt holds it"
            mismatches.append("session \(charge.sessionID) was charged \(charge.amount) but \(state)")
        }
    }

    /// Whether Tender and the gateway agree.
    var isConsistent: Bool { mismatches.isEmpty }
}
