import Foundation
import LibPQ
import Tender
import TenderPostgres
import TenderSandbox

/// The end of a run, read from every side — the attempts and their histories in the database,
/// the outbox, the sandbox's ledger and, when the engines ran in this process, the gateway log —
/// and checked against each other.
struct LedgerAudit {
    /// One attempt as stored.
    struct StoredAttempt {
        var id: AttemptID
        var state: AttemptState
        var sessionID: String?
        var version: Int64
        var late: Bool
        var duplicate: Bool
        /// Polls that learned nothing, counted instead of written to the history.
        var quietPolls: Int
        var lastQuietPollAt: Date?
    }

    /// One refund as stored.
    struct StoredRefund {
        var id: RefundID
        var attemptID: AttemptID
        var amount: Int
        var state: RefundState
        var gatewayRefundID: String?
    }

    /// One history row.
    struct Step {
        var version: Int64
        var from: AttemptState?
        var to: AttemptState
    }

    var attempts: [StoredAttempt]
    var refunds: [StoredRefund]
    var history: [AttemptID: [Step]]
    /// The outbox rows of the same snapshot.
    var outbox: [AttemptID: [EventKey]]
    /// What a consumer reading from the start is delivered, read after the snapshot.
    var delivered: [OrderEvent]
    var ledger: SandboxLedger
    var gatewayCalls: [GatewayLog.Call]?

    /// Reads the end state; `gatewayLog` is left out when the engines ran elsewhere. The tables
    /// are read in one snapshot, since a late webhook still adds a (no-change) version to a
    /// finished attempt.
    static func read(store: PostgresPaymentStore, sandbox: ConvergeGateSandbox, gatewayLog: GatewayLog?) async throws -> LedgerAudit {
        let (attempts, refunds, history, outbox) = try await store.pool.withTransaction(isolation: .repeatableRead) { connection in
            let attempts = try await connection.query(
                "SELECT id, state, session_id, version, late, duplicate, quiet_polls, last_quiet_poll_at FROM attempts"
            ).map { row in
                StoredAttempt(
                    id: AttemptID(rawValue: try row.decode(UUID.self, column: "id")),
                    state: try AttemptState(rawValue: row.decode(String.self, column: "state")) ?? .submitted,
                    sessionID: try row.decode(String?.self, column: "session_id"),
                    version: try row.decode(Int64.self, column: "version"),
                    late: try row.decode(Bool.self, column: "late"),
                    duplicate: try row.decode(Bool.self, column: "duplicate"),
                    quietPolls: try row.decode(Int.self, column: "quiet_polls"),
                    lastQuietPollAt: try row.decode(Date?.self, column: "last_quiet_poll_at")
                )
            }
            let refunds = try await connection.query("SELECT id, attempt_id, amount, state, gateway_refund_id FROM refunds").map { row in
                StoredRefund(
                    id: RefundID(rawValue: try row.decode(UUID.self, column: "id")),
                    attemptID: try row.attemptID,
                    amount: try row.decode(Int.self, column: "amount"),
                    state: try RefundState(rawValue: row.decode(String.self, column: "state")) ?? .requested,
                    gatewayRefundID: try row.decode(String?.self, column: "gateway_refund_id")
                )
            }
            var history: [AttemptID: [Step]] = [:]
            for row in try await connection.query(
                "SELECT attempt_id, version, from_state, to_state FROM attempt_history ORDER BY attempt_id, version")
            {
                history[try row.attemptID, default: []].append(
                    Step(
                        version: try row.decode(Int64.self, column: "version"),
                        from: try row.decode(String?.self, column: "from_state").flatMap(AttemptState.init(rawValue:)),
                        to: try AttemptState(rawValue: row.decode(String.self, column: "to_state")) ?? .submitted
                    ))
            }
            var outbox: [AttemptID: [EventKey]] = [:]
            for row in try await connection.query("SELECT attempt_id, type, version FROM outbox") {
                guard let type = OrderEventType(rawValue: try row.decode(String.self, column: "type")) else { continue }
                outbox[try row.attemptID, default: []].append(EventKey(type: type, version: try row.decode(Int64.self, column: "version")))
            }
            return (attempts, refunds, history, outbox)
        }
        return LedgerAudit(
            attempts: attempts,
            refunds: refunds,
            history: history,
            outbox: outbox,
            delivered: try await store.events(after: 0, limit: 1_000_000),
            ledger: await sandbox.ledger(),
            gatewayCalls: await gatewayLog?.calls
        )
    }

    /// Everything that contradicts the invariants of a run, one line each; empty when the run
    /// lost nothing, repeated nothing and invented nothing.
    func violations() -> [String] {
        var found: [String] = []
        let sessions = Dictionary(uniqueKeysWithValues: ledger.sessions.map { ($0.id, $0) })
        let charges = Dictionary(grouping: ledger.charges, by: \.sessionID)
        let deliveredByAttempt = Dictionary(grouping: delivered, by: \.attemptID)

        for session in ledger.sessions where session.acceptedPayCalls > 1 {
            found.append("session \(session.id) was charged \(session.acceptedPayCalls) times")
        }
        for (sessionID, sessionCharges) in charges where sessionCharges.count > 1 {
            found.append("session \(sessionID) has \(sessionCharges.count) charges")
        }

        for attempt in attempts {
            let name = "attempt \(attempt.id)"
            if attempt.state.isInFlight {
                found.append("\(name) is still \(attempt.state.rawValue)")
            }

            // History: one row per version, 1...version, no gap and no repeat.
            let steps = history[attempt.id] ?? []
            if steps.map(\.version) != Array(1...max(attempt.version, 1)) {
                found.append("\(name) has history versions \(steps.map(\.version)) for version \(attempt.version)")
            }

            // Quiet polls: only of a session, and counted with the time of the last.
            if attempt.quietPolls > 0, attempt.sessionID == nil || attempt.lastQuietPollAt == nil {
                found.append("\(name) counts \(attempt.quietPolls) quiet polls without a session or a time")
            }

            // Outbox: exactly the events its state changes emitted, each once, none invented, and
            // every one of them delivered to a consumer reading from the start.
            let expected = Self.expectedEvents(steps, duplicate: attempt.duplicate)
            let actual = (outbox[attempt.id] ?? []).filter { !Self.refundEvents.contains($0.type) }
            if actual.sorted() != expected.sorted() {
                found.append("\(name) has events \(actual.sorted()) but its history emits \(expected.sorted())")
            }
            let received = Set((deliveredByAttempt[attempt.id] ?? []).map { EventKey(type: $0.type, version: $0.version) })
            if !Set(actual).isSubset(of: received) {
                found.append("\(name): events \(actual.filter { !received.contains($0) }) were never delivered")
            }

            // The ledger: the attempt's outcome is the session's.
            guard let sessionID = attempt.sessionID else {
                if attempt.state == .completed {
                    found.append("\(name) completed without a session")
                }
                continue
            }
            guard let session = sessions[sessionID] else {
                found.append("\(name) holds session \(sessionID), unknown to the gateway")
                continue
            }
            let paid = session.status == .completed
            if paid != (attempt.state == .completed) {
                found.append("\(name) is \(attempt.state.rawValue) but its session is \(session.status.rawValue)")
            }
            if paid, charges[sessionID]?.count != 1 {
                found.append("\(name)'s completed session has \(charges[sessionID]?.count ?? 0) charges")
            }
            if attempt.late, !(steps.contains { ($0.from?.isWatchedForLateCompletion ?? false) && $0.to == .completed }) {
                found.append("\(name) is flagged late without completing after an expiry or a cancel")
            }
        }

        found += refundViolations(sessionOf: Dictionary(uniqueKeysWithValues: attempts.map { ($0.id, $0.sessionID) }))

        // Sessions no attempt holds: a create whose answer was lost. They must never be charged,
        // and there cannot be more of them than attempts left without a session.
        let held = Set(attempts.compactMap(\.sessionID))
        let orphans = ledger.sessions.filter { !held.contains($0.id) }
        for orphan in orphans where orphan.payCalls > 0 || orphan.status == .completed {
            found.append("session \(orphan.id), held by no attempt, was paid (\(orphan.payCalls) pay calls, \(orphan.status.rawValue))")
        }
        let withoutSession = attempts.filter { $0.sessionID == nil }.count
        if orphans.count > withoutSession {
            found.append("\(orphans.count) sessions are held by no attempt, but only \(withoutSession) attempts lack one")
        }

        // The gateway log: every create of one attempt named the same session, the one it holds.
        if let gatewayCalls {
            let creates = Dictionary(grouping: gatewayCalls.filter { $0.endpoint == .createSession }, by: { $0.attemptID ?? "" })
            let byID = Dictionary(uniqueKeysWithValues: attempts.map { ($0.id.description, $0) })
            for (attemptID, calls) in creates {
                let named = Set(calls.compactMap(\.sessionID))
                if named.count > 1 {
                    found.append("attempt \(attemptID) was given \(named.count) sessions: \(named.sorted())")
                }
                if let stored = byID[attemptID]?.sessionID, let first = named.first, stored != first {
                    found.append("attempt \(attemptID) holds \(stored) but the gateway created \(first) for it")
                }
            }
        }
        return found
    }

    /// The events of refunds, checked by refund rather than by the attempt's history.
    static let refundEvents: Set<OrderEventType> = [.refundSucceeded, .refundFailed]

    /// Every refund final and as the gateway's ledger has it, none made at the gateway that
    /// Tender does not hold, and each reported once.
    func refundViolations(sessionOf: [AttemptID: String?]) -> [String] {
        var found: [String] = []
        let ledgerRefunds = Dictionary(uniqueKeysWithValues: ledger.refunds.map { ($0.id, $0) })
        let reported = Dictionary(grouping: delivered.filter { Self.refundEvents.contains($0.type) }, by: \.refundID)
        for refund in refunds {
            let name = "refund \(refund.id)"
            guard refund.state.isFinal else {
                found.append("\(name) is still \(refund.state.rawValue)")
                continue
            }
            if reported[refund.id]?.count != 1 {
                found.append("\(name) was reported \(reported[refund.id]?.count ?? 0) times")
            }
            guard let gatewayID = refund.gatewayRefundID, let made = ledgerRefunds[gatewayID] else {
                if refund.state == .succeeded {
                    found.append("\(name) succeeded without a refund at the gateway")
                }
                continue
            }
            if made.sessionID != sessionOf[refund.attemptID] ?? nil || made.amount != refund.amount {
                found.append("\(name) is \(refund.amount) of its attempt's session; the gateway refunded \(made.amount) of \(made.sessionID)")
            }
            if (made.status == .succeeded) != (refund.state == .succeeded) {
                found.append("\(name) is \(refund.state.rawValue) but the gateway's refund is \(made.status.rawValue)")
            }
        }
        let held = Set(refunds.compactMap(\.gatewayRefundID))
        for made in ledger.refunds where !held.contains(made.id) {
            found.append("the gateway's refund \(made.id) of \(made.sessionID) is held by no refund: made twice or invented")
        }
        return found
    }

    /// An outbox event as the audit compares it.
    struct EventKey: Hashable, Comparable, CustomStringConvertible {
        var type: OrderEventType
        var version: Int64

        static func < (lhs: EventKey, rhs: EventKey) -> Bool {
            (lhs.version, lhs.type.rawValue) < (rhs.version, rhs.type.rawValue)
        }

        var description: String { "\(type.rawValue)@\(version)" }
    }

    /// The events the state changes in `steps` emit (refunds are not configured in these runs).
    static func expectedEvents(_ steps: [Step], duplicate: Bool) -> [EventKey] {
        steps.flatMap { step -> [EventKey] in
            guard let from = step.from, from != step.to else { return [] }
            switch step.to {
            case .submitted: return []
            case .awaitingConfirmation: return [EventKey(type: .awaitingConfirmation, version: step.version)]
            case .expired: return [EventKey(type: .expired, version: step.version)]
            case .failed: return [EventKey(type: .failed, version: step.version)]
            case .canceled: return [EventKey(type: .canceled, version: step.version)]
            case .completed:
                let completed = EventKey(type: from.isWatchedForLateCompletion ? .completedLate : .completed, version: step.version)
                return duplicate ? [completed, EventKey(type: .duplicateCharge, version: step.version)] : [completed]
            }
        }
    }

    /// How many attempts ended in each state.
    var outcomes: [AttemptState: Int] {
        Dictionary(grouping: attempts, by: \.state).mapValues(\.count)
    }
}

extension PostgresRow {
    /// The row's `attempt_id` column.
    fileprivate var attemptID: AttemptID {
        get throws { AttemptID(rawValue: try decode(UUID.self, column: "attempt_id")) }
    }
}
