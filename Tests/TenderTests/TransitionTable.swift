import Foundation
import Tender
import Testing

/// The attempts the table starts from: every state, and every stage a submitted attempt can be in.
enum TableStart: String, CaseIterable, Sendable {
    case creatingSession = "submitted/creating_session"
    case paying = "submitted/paying"
    case verifyingUnknownPay = "submitted/verifying_unknown_pay"
    case repaying = "submitted/repaying"
    case verifyingRejectedPay = "submitted/verifying_rejected_pay"
    case awaitingBeforeDeadline = "awaiting_confirmation/before_deadline"
    case awaitingAfterDeadline = "awaiting_confirmation/after_deadline"
    case completed = "completed"
    case completedDuplicate = "completed/duplicate"
    case expiredInGrace = "expired/in_grace"
    case expiredAfterGrace = "expired/after_grace"
    case canceledInGrace = "canceled/in_grace"
    case canceledAfterGrace = "canceled/after_grace"
    case failed = "failed"

    /// When the input arrives. The attempt was submitted at `t(0)`: deadline `t(90)`, grace until `t(990)`.
    var now: Date {
        switch self {
        case .creatingSession, .paying, .verifyingUnknownPay, .repaying, .verifyingRejectedPay: Fixture.t(10)
        case .awaitingBeforeDeadline: Fixture.t(30)
        case .awaitingAfterDeadline: Fixture.t(95)
        case .completed, .completedDuplicate, .failed: Fixture.t(50)
        case .expiredInGrace, .canceledInGrace: Fixture.t(200)
        case .expiredAfterGrace, .canceledAfterGrace: Fixture.t(1000)
        }
    }

    /// The attempt as it is stored in this situation.
    func attempt() throws -> Attempt {
        var attempt = Attempt(
            id: Fixture.attemptID(1),
            paymentID: PaymentID(rawValue: "order-1"), state: .submitted, stage: .creatingSession, version: 1,
            amount: try Fixture.amount(), customer: try Fixture.customer(), code: try Fixture.code(),
            sessionID: nil, submittedAt: Fixture.t0, deadline: Fixture.t(90), graceUntil: Fixture.t(990),
            resolvedAt: nil, outcomeSource: nil, failure: nil, late: false, duplicate: false, retries: 0
        )
        switch self {
        case .creatingSession:
            attempt.retries = 2
        case .paying, .verifyingUnknownPay, .repaying, .verifyingRejectedPay:
            attempt.sessionID = Fixture.sessionID
            attempt.version = 3
            attempt.stage =
                switch self {
                case .verifyingUnknownPay: .verifyingUnknownPay
                case .repaying: .repaying
                case .verifyingRejectedPay: .verifyingRejectedPay
                default: .paying
                }
        case .awaitingBeforeDeadline, .awaitingAfterDeadline:
            attempt.sessionID = Fixture.sessionID
            attempt.version = 4
            attempt.state = .awaitingConfirmation
            attempt.stage = .paid
            attempt.code = nil
        case .completed, .completedDuplicate:
            attempt.sessionID = Fixture.sessionID
            attempt.version = 6
            attempt.state = .completed
            attempt.stage = .paid
            attempt.code = nil
            attempt.resolvedAt = Fixture.t(40)
            attempt.outcomeSource = .poll
            attempt.duplicate = self == .completedDuplicate
        case .expiredInGrace, .expiredAfterGrace:
            attempt.sessionID = Fixture.sessionID
            attempt.version = 7
            attempt.state = .expired
            attempt.stage = .paid
            attempt.code = nil
            attempt.resolvedAt = Fixture.t(90)
            attempt.outcomeSource = .deadline
        case .canceledInGrace, .canceledAfterGrace:
            attempt.sessionID = Fixture.sessionID
            attempt.version = 5
            attempt.state = .canceled
            attempt.stage = .paid
            attempt.code = nil
            attempt.resolvedAt = Fixture.t(30)
            attempt.outcomeSource = .orderSystem
        case .failed:
            attempt.sessionID = Fixture.sessionID
            attempt.version = 4
            attempt.state = .failed
            attempt.stage = .paying
            attempt.code = nil
            attempt.resolvedAt = Fixture.t(5)
            attempt.outcomeSource = .gatewayResponse
            attempt.failure = .declined(.codeExpired)
        }
        return attempt
    }
}

/// What a row expects of the attempt after the input.
struct TableOutcome: Sendable {
    /// Whether the input is only recorded: the attempt equals the start but for its version.
    var onlyRecorded: Bool
    var state: AttemptState
    /// `nil`: the stage stays as it was.
    var stage: Attempt.Stage?
    var effects: [Effect]
    var keepsCode: Bool
    var failure: FailureReason?
    var late = false
    var retries = 0
    /// `nil`: the session id stays as it was.
    var sessionID: String?

    /// Recorded, nothing else changes; the effects are the follow-up tasks, if any.
    static func recorded(_ effects: [Effect] = []) -> TableOutcome {
        TableOutcome(onlyRecorded: true, state: .submitted, effects: effects, keepsCode: true)
    }
}

/// One row: an attempt in a situation, an input at that situation's time, and the expected result.
struct TableRow: Sendable, CustomTestStringConvertible {
    var start: TableStart
    var input: AttemptInput
    var now: Date
    var expected: TableOutcome
    var testDescription: String { "\(start.rawValue) + \(Fixture.label(input))" }
}

/// Every (state, input) pair with its expected outcome, written from the rules of DESIGN.md and the
/// machine's documentation — never computed by running the machine.
enum TransitionTable {
    static let rows: [TableRow] = {
        var table = Builder()
        table.creatingSession()
        table.paying()
        table.verifyingUnknownPay()
        table.repaying()
        table.verifyingRejectedPay()
        table.awaiting(.awaitingBeforeDeadline)
        table.awaiting(.awaitingAfterDeadline)
        table.completed(.completed)
        table.completed(.completedDuplicate)
        table.expired(.expiredInGrace)
        table.expired(.expiredAfterGrace)
        table.expired(.canceledInGrace)
        table.expired(.canceledAfterGrace)
        table.failed()
        table.boundaries()
        return table.rows
    }()

    private static let openSession = Fixture.session(.open)
    private static let completedSession = Fixture.session(.completed)
    private static let expiredSession = Fixture.session(.expired)
    private static let statuses = [openSession, completedSession, expiredSession]
    private static let operatorReason = "checked with the bank"

    // MARK: Expected effects, by the rules

    /// A completion: the code is forgotten, every pending task dropped, the order system told.
    static func completes(erasing: Bool, late: Bool = false) -> [Effect] {
        (erasing ? [.eraseCode] : []) + [.cancel(.call), .cancel(.fetch), .cancel(.deadline), .emit(late ? .completedLate : .completed)]
    }

    /// A failure: the code is forgotten, every pending task dropped, the order system told.
    static func fails(erasing: Bool) -> [Effect] {
        (erasing ? [.eraseCode] : []) + [.cancel(.call), .cancel(.fetch), .cancel(.deadline), .emit(.failed)]
    }

    /// A cancellation: as an expiry, but the order system is told it was canceled and a session
    /// is watched only if one exists.
    static func cancels(erasing: Bool, gracePollAt: Date?) -> [Effect] {
        (erasing ? [.eraseCode] : []) + [.cancel(.call), .cancel(.deadline), .emit(.canceled)]
            + [gracePollAt.map { .fetch(.gracePoll, at: $0) } ?? .cancel(.fetch)]
    }

    /// An expiry: the code is forgotten, calls and the deadline dropped, the order system told, and a
    /// grace poll planned when a session exists (otherwise pending fetches are dropped too).
    static func expires(erasing: Bool, gracePollAt: Date?) -> [Effect] {
        (erasing ? [.eraseCode] : []) + [.cancel(.call), .cancel(.deadline), .emit(.expired)]
            + [gracePollAt.map { .fetch(.gracePoll, at: $0) } ?? .cancel(.fetch)]
    }

    private struct Builder {
        var rows: [TableRow] = []

        mutating func add(_ start: TableStart, _ input: AttemptInput, _ expected: TableOutcome, at now: Date? = nil) {
            rows.append(TableRow(start: start, input: input, now: now ?? start.now, expected: expected))
        }

        mutating func add(_ start: TableStart, _ inputs: [AttemptInput], _ expected: TableOutcome) {
            for input in inputs { add(start, input, expected) }
        }

        func moves(
            to state: AttemptState, stage: Attempt.Stage? = nil, _ effects: [Effect], keepsCode: Bool = false,
            failure: FailureReason? = nil, late: Bool = false, retries: Int = 0, sessionID: String? = nil
        ) -> TableOutcome {
            TableOutcome(
                onlyRecorded: false, state: state, stage: stage, effects: effects, keepsCode: keepsCode,
                failure: failure, late: late, retries: retries, sessionID: sessionID
            )
        }

        func fetchedAll(_ status: GatewaySession) -> [AttemptInput] {
            FetchReason.allCases.map { .fetched(status, $0) }
        }

        var allFetchFailures: [AttemptInput] { FetchReason.allCases.map { .fetchFailed($0, Fixture.retryLater) } }

        func callFailures(_ call: GatewayCall) -> [AttemptInput] {
            Fixture.errors.map { .callFailed(call, $0.error) }
        }

        var allCallFailures: [AttemptInput] { GatewayCall.allCases.flatMap(callFailures) }

        var allSessionCreated: [AttemptInput] { statuses.map { .sessionCreated($0) } }

        func resolved(_ state: AttemptState) -> AttemptInput {
            .resolvedByOperator(Resolution(state: state, reason: operatorReason, operatorName: "ops"))
        }

        // MARK: submitted

        /// Creating the session: the code is still here, no session exists, two create calls failed before.
        mutating func creatingSession() {
            let s = TableStart.creatingSession
            let t = Fixture.t
            add(
                s, .sessionCreated(openSession),
                moves(to: .submitted, stage: .paying, [.call(.pay, at: t(10))], keepsCode: true, sessionID: Fixture.sessionID))
            add(s, .sessionCreated(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true), sessionID: Fixture.sessionID))
            add(
                s, .sessionCreated(expiredSession),
                moves(to: .expired, stage: .creatingSession, expires(erasing: true, gracePollAt: t(70)), sessionID: Fixture.sessionID))
            // A pay answer before a session exists is taken for its status only.
            add(s, .payAnswered(openSession), .recorded())
            add(s, .payAnswered(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, .payAnswered(expiredSession), moves(to: .expired, stage: .creatingSession, expires(erasing: true, gracePollAt: nil)))
            add(
                s, .callFailed(.createSession, Fixture.payerMustAct),
                moves(to: .failed, stage: .creatingSession, fails(erasing: true), failure: .declined(.insufficientFunds)))
            add(
                s, .callFailed(.createSession, Fixture.requestRejected),
                moves(to: .failed, stage: .creatingSession, fails(erasing: true), failure: .rejectedByGateway))
            add(
                s, .callFailed(.createSession, Fixture.configuration),
                moves(to: .failed, stage: .creatingSession, fails(erasing: true), failure: .gatewayConfiguration))
            // The third retry waits 0.5 s × 2².
            add(
                s, .callFailed(.createSession, Fixture.retryLater),
                moves(to: .submitted, stage: .creatingSession, [.call(.createSession, at: t(12))], keepsCode: true, retries: 3))
            add(
                s, .callFailed(.createSession, Fixture.outcomeUnknown),
                moves(to: .submitted, stage: .creatingSession, [.call(.createSession, at: t(12))], keepsCode: true, retries: 3))
            add(s, callFailures(.pay), .recorded())
            // An open session changes nothing but restarts the backoff count.
            add(s, fetchedAll(openSession), moves(to: .submitted, stage: .creatingSession, [], keepsCode: true, retries: 0))
            add(s, fetchedAll(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, fetchedAll(expiredSession), moves(to: .expired, stage: .creatingSession, expires(erasing: true, gracePollAt: nil)))
            add(s, allFetchFailures, .recorded())
            add(s, .webhookHint(Fixture.hint), .recorded())
            add(s, .deadlineReached, moves(to: .expired, stage: .creatingSession, expires(erasing: true, gracePollAt: nil)))
            add(s, Fixture.cancels, moves(to: .canceled, stage: .creatingSession, cancels(erasing: true, gracePollAt: nil)))
            add(s, resolved(.canceled), .recorded())
            add(s, resolved(.submitted), .recorded())
            add(s, resolved(.awaitingConfirmation), .recorded())
            add(s, resolved(.completed), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, resolved(.expired), moves(to: .expired, stage: .creatingSession, expires(erasing: true, gracePollAt: nil)))
            add(s, resolved(.failed), moves(to: .failed, stage: .creatingSession, fails(erasing: true), failure: .resolvedByOperator))
        }

        /// The inputs every submitted stage with a session answers alike.
        mutating func submittedWithSession(_ s: TableStart, stage: Attempt.Stage) {
            let t = Fixture.t
            add(s, allSessionCreated, .recorded())
            add(s, fetchedAll(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, fetchedAll(expiredSession), moves(to: .expired, stage: stage, expires(erasing: true, gracePollAt: t(70))))
            add(s, .webhookHint(Fixture.hint), .recorded([.fetch(.webhook, at: t(10))]))
            add(s, .deadlineReached, moves(to: .expired, stage: stage, expires(erasing: true, gracePollAt: t(70))))
            // The code may be on its way to the gateway: canceled, and the session watched.
            add(s, Fixture.cancels, moves(to: .canceled, stage: stage, cancels(erasing: true, gracePollAt: t(70))))
            add(s, resolved(.canceled), .recorded())
            add(s, resolved(.submitted), .recorded())
            add(s, resolved(.awaitingConfirmation), .recorded())
            add(s, resolved(.completed), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, resolved(.expired), moves(to: .expired, stage: stage, expires(erasing: true, gracePollAt: t(70))))
            add(s, resolved(.failed), moves(to: .failed, stage: stage, fails(erasing: true), failure: .resolvedByOperator))
        }

        /// Paying: the session is open, the pay call with the code is due or in flight.
        mutating func paying() {
            let s = TableStart.paying
            let t = Fixture.t
            submittedWithSession(s, stage: .paying)
            add(
                s, .payAnswered(openSession),
                moves(to: .awaitingConfirmation, stage: .paid, [.eraseCode, .emit(.awaitingConfirmation), .fetch(.poll, at: t(15))]))
            add(s, .payAnswered(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, .payAnswered(expiredSession), moves(to: .expired, stage: .paid, expires(erasing: true, gracePollAt: t(70))))
            add(s, callFailures(.createSession), .recorded())
            add(
                s, .callFailed(.pay, Fixture.payerMustAct),
                moves(to: .failed, stage: .paying, fails(erasing: true), failure: .declined(.insufficientFunds)))
            add(
                s, .callFailed(.pay, Fixture.requestRejected),
                moves(to: .submitted, stage: .verifyingRejectedPay, [.fetch(.verifyCall, at: t(10))], keepsCode: true))
            add(s, .callFailed(.pay, Fixture.configuration), moves(to: .failed, stage: .paying, fails(erasing: true), failure: .gatewayConfiguration))
            add(
                s, .callFailed(.pay, Fixture.retryLater),
                moves(to: .submitted, stage: .paying, [.call(.pay, at: t(10.5))], keepsCode: true, retries: 1))
            add(
                s, .callFailed(.pay, Fixture.outcomeUnknown),
                moves(to: .submitted, stage: .verifyingUnknownPay, [.fetch(.verifyCall, at: t(10))], keepsCode: true))
            add(s, fetchedAll(openSession), .recorded())
            add(s, allFetchFailures, .recorded())
        }

        /// A pay timed out after it was sent: the session is being fetched before anything else.
        mutating func verifyingUnknownPay() {
            let s = TableStart.verifyingUnknownPay
            let t = Fixture.t
            submittedWithSession(s, stage: .verifyingUnknownPay)
            add(s, .payAnswered(openSession), .recorded())
            add(s, .payAnswered(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, .payAnswered(expiredSession), moves(to: .expired, stage: .verifyingUnknownPay, expires(erasing: true, gracePollAt: t(70))))
            add(s, callFailures(.createSession), .recorded())
            add(s, callFailures(.pay), .recorded())
            // Still open: the pay is sent again under the same idempotency key.
            add(s, fetchedAll(openSession), moves(to: .submitted, stage: .repaying, [.call(.pay, at: t(10))], keepsCode: true))
            add(
                s, allFetchFailures,
                moves(to: .submitted, stage: .verifyingUnknownPay, [.fetch(.verifyCall, at: t(10.5))], keepsCode: true, retries: 1))
        }

        /// The pay is sent again after its first outcome was unknown.
        mutating func repaying() {
            let s = TableStart.repaying
            let t = Fixture.t
            submittedWithSession(s, stage: .repaying)
            add(
                s, .payAnswered(openSession),
                moves(to: .awaitingConfirmation, stage: .paid, [.eraseCode, .emit(.awaitingConfirmation), .fetch(.poll, at: t(15))]))
            add(s, .payAnswered(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, .payAnswered(expiredSession), moves(to: .expired, stage: .paid, expires(erasing: true, gracePollAt: t(70))))
            add(s, callFailures(.createSession), .recorded())
            add(
                s, .callFailed(.pay, Fixture.payerMustAct),
                moves(to: .failed, stage: .repaying, fails(erasing: true), failure: .declined(.insufficientFunds)))
            // Refused because the gateway holds the first pay's code: the payer is confirming.
            add(
                s, .callFailed(.pay, Fixture.requestRejected),
                moves(to: .awaitingConfirmation, stage: .paid, [.eraseCode, .emit(.awaitingConfirmation), .fetch(.poll, at: t(15))]))
            add(
                s, .callFailed(.pay, Fixture.configuration),
                moves(to: .failed, stage: .repaying, fails(erasing: true), failure: .gatewayConfiguration))
            add(
                s, .callFailed(.pay, Fixture.retryLater),
                moves(to: .submitted, stage: .repaying, [.call(.pay, at: t(10.5))], keepsCode: true, retries: 1))
            add(
                s, .callFailed(.pay, Fixture.outcomeUnknown),
                moves(to: .submitted, stage: .verifyingUnknownPay, [.fetch(.verifyCall, at: t(10))], keepsCode: true))
            add(s, fetchedAll(openSession), .recorded())
            add(s, allFetchFailures, .recorded())
            // "Code used" may mean used by the first, unanswered pay: the session decides.
            add(
                s, .callFailed(.pay, GatewayError(kind: .payerMustAct(.codeUsed), httpStatus: 402, type: "voucher_error")),
                moves(to: .submitted, stage: .verifyingRejectedPay, [.fetch(.verifyCall, at: t(10))], keepsCode: true))
        }

        /// The gateway refused a first pay as invalid: the session is being fetched to decide.
        mutating func verifyingRejectedPay() {
            let s = TableStart.verifyingRejectedPay
            let t = Fixture.t
            submittedWithSession(s, stage: .verifyingRejectedPay)
            add(s, .payAnswered(openSession), .recorded())
            add(s, .payAnswered(completedSession), moves(to: .completed, stage: .paid, completes(erasing: true)))
            add(s, .payAnswered(expiredSession), moves(to: .expired, stage: .verifyingRejectedPay, expires(erasing: true, gracePollAt: t(70))))
            add(s, callFailures(.createSession), .recorded())
            add(s, callFailures(.pay), .recorded())
            // The gateway may hold an earlier code for the open session: wait for it, never fail.
            add(
                s, fetchedAll(openSession),
                moves(to: .awaitingConfirmation, stage: .paid, [.eraseCode, .emit(.awaitingConfirmation), .fetch(.poll, at: t(15))]))
            add(
                s, allFetchFailures,
                moves(to: .submitted, stage: .verifyingRejectedPay, [.fetch(.verifyCall, at: t(10.5))], keepsCode: true, retries: 1))
        }

        // MARK: awaitingConfirmation

        /// The payer confirms in the bank app; the code is gone. Before the deadline an open session
        /// is polled again; at or after it, it expires.
        mutating func awaiting(_ s: TableStart) {
            let now = s.now
            let beforeDeadline = s == .awaitingBeforeDeadline
            let gracePoll = now.addingTimeInterval(60)
            let expiry = moves(to: .expired, stage: .paid, expires(erasing: false, gracePollAt: gracePoll))
            add(s, allSessionCreated, .recorded())
            add(s, .payAnswered(openSession), .recorded())
            add(s, .payAnswered(completedSession), moves(to: .completed, stage: .paid, completes(erasing: false)))
            add(s, .payAnswered(expiredSession), expiry)
            add(s, callFailures(.createSession), .recorded())
            add(s, callFailures(.pay), .recorded())
            add(s, fetchedAll(openSession), beforeDeadline ? .recorded([.fetch(.poll, at: now.addingTimeInterval(4))]) : expiry)
            add(s, fetchedAll(completedSession), moves(to: .completed, stage: .paid, completes(erasing: false)))
            add(s, fetchedAll(expiredSession), expiry)
            add(s, allFetchFailures, beforeDeadline ? .recorded([.fetch(.poll, at: now.addingTimeInterval(4))]) : expiry)
            add(s, .webhookHint(Fixture.hint), .recorded([.fetch(.webhook, at: now)]))
            add(s, .deadlineReached, .recorded([.fetch(.finalPoll, at: now)]))
            add(s, Fixture.cancels, moves(to: .canceled, stage: .paid, cancels(erasing: false, gracePollAt: gracePoll)))
            add(s, resolved(.canceled), .recorded())
            add(s, resolved(.submitted), .recorded())
            add(s, resolved(.awaitingConfirmation), .recorded())
            add(s, resolved(.completed), moves(to: .completed, stage: .paid, completes(erasing: false)))
            add(s, resolved(.expired), expiry)
            add(s, resolved(.failed), moves(to: .failed, stage: .paid, fails(erasing: false), failure: .resolvedByOperator))
        }

        // MARK: terminal and expired

        /// Completed absorbs everything; a duplicate's refund is a refund of its own.
        mutating func completed(_ s: TableStart) {
            for input in Fixture.allInputs {
                add(s, input, .recorded())
            }
        }

        /// Expired and canceled still listen to the API for a late completion, polling sparsely until
        /// the grace period ends; every other input is recorded only. A canceled attempt's late
        /// charge is refunded (the default policy refunds duplicates).
        mutating func expired(_ s: TableStart) {
            let inGrace = s == .expiredInGrace || s == .canceledInGrace
            let repoll: TableOutcome = inGrace ? .recorded([.fetch(.gracePoll, at: Fixture.t(260))]) : .recorded()
            let refund: [Effect] = [.canceledInGrace, .canceledAfterGrace].contains(s) ? [.refundCharge(.requestedByCustomer, at: s.now)] : []
            let late = moves(to: .completed, stage: .paid, completes(erasing: false, late: true) + refund, late: true)
            add(s, allSessionCreated, .recorded())
            add(s, .payAnswered(openSession), repoll)
            add(s, .payAnswered(completedSession), late)
            add(s, .payAnswered(expiredSession), repoll)
            add(s, allCallFailures, .recorded())
            add(s, fetchedAll(openSession), repoll)
            add(s, fetchedAll(completedSession), late)
            add(s, fetchedAll(expiredSession), repoll)
            add(s, allFetchFailures, repoll)
            add(s, .webhookHint(Fixture.hint), .recorded([.fetch(.webhook, at: s.now)]))
            add(s, .deadlineReached, .recorded())
            add(s, Fixture.cancels, .recorded())
            add(s, resolved(.submitted), .recorded())
            add(s, resolved(.awaitingConfirmation), .recorded())
            add(s, resolved(.expired), .recorded())
            add(s, resolved(.canceled), .recorded())
            add(s, resolved(.completed), late)
            add(s, resolved(.failed), moves(to: .failed, stage: .paid, fails(erasing: false), failure: .resolvedByOperator))
        }

        /// Failed absorbs everything.
        mutating func failed() {
            add(.failed, Fixture.allInputs, .recorded())
        }

        // MARK: boundaries

        /// Rows at the edges of the windows, beyond the table's fixed times.
        mutating func boundaries() {
            let t = Fixture.t
            // A poll is never planned past the deadline.
            add(.awaitingBeforeDeadline, .fetched(openSession, .poll), .recorded([.fetch(.poll, at: t(90))]), at: t(88))
            add(.awaitingBeforeDeadline, .fetchFailed(.poll, Fixture.retryLater), .recorded([.fetch(.poll, at: t(90))]), at: t(88))
            // At the deadline itself an open session expires.
            add(
                .awaitingBeforeDeadline, .fetched(openSession, .finalPoll),
                moves(to: .expired, stage: .paid, expires(erasing: false, gracePollAt: t(150))), at: t(90))
            // A grace poll is never planned past the grace period, and none at its very end.
            add(.expiredInGrace, .fetched(openSession, .gracePoll), .recorded([.fetch(.gracePoll, at: t(990))]), at: t(950))
            add(.expiredInGrace, .fetched(openSession, .gracePoll), .recorded(), at: t(990))
            // Expiring close to the end of the grace period plans one last grace poll at its end.
            add(
                .awaitingAfterDeadline, .fetched(openSession, .poll), moves(to: .expired, stage: .paid, expires(erasing: false, gracePollAt: t(990))),
                at: t(950))
            // Expiring after the grace period is over plans no grace poll at all.
            add(
                .awaitingAfterDeadline, .fetched(openSession, .poll), moves(to: .expired, stage: .paid, expires(erasing: false, gracePollAt: nil)),
                at: t(990))
        }
    }
}
