import Foundation
import PropertyBased
import Tender
import Testing

/// One step of a random history: which attempt it concerns, how far the clock moves first, and
/// which input arrives. Plain integers, so that failing histories shrink well.
struct RandomStep: Sendable, CustomStringConvertible {
    var target: Int
    var advance: Int
    var kind: Int
    var detail: Int
    /// Below 3: any input at all; otherwise an input that fits the attempt's situation, as a gateway
    /// and a scheduler would send it, so that attempts live long enough to visit every stage.
    var mode: Int

    var description: String { "(\(target), +\(advance), \(kind), \(detail), \(mode))" }

    /// How many seconds the clock moves before the step: mostly a fraction of a second to a few
    /// seconds, now and then five minutes.
    var seconds: Double {
        advance >= 49 ? 300 : Double(advance) / 10
    }

    /// Whether the step submits a new attempt of the payment (the payer enters a new code).
    var submitsNewAttempt: Bool { kind >= 97 }

    /// The input for an attempt.
    func input(for attempt: Attempt, sessionID: String) -> AttemptInput {
        mode < 3 ? anyInput(sessionID: sessionID) : fittingInput(for: attempt, sessionID: sessionID)
    }

    private var error: GatewayError { Fixture.errors[detail % Fixture.errors.count].error }

    private func session(_ sessionID: String, _ status: GatewaySession.Status) -> GatewaySession {
        GatewaySession(id: sessionID, status: status, amount: 1000)
    }

    private func hint(_ sessionID: String) -> AttemptInput {
        .webhookHint(WebhookHint(eventID: "evt_\(detail)", type: "checkout.session.completed", sessionID: sessionID, createdAt: Fixture.t0))
    }

    /// Mostly open; completed one time in twenty, expired one in twenty.
    private var status: GatewaySession.Status {
        switch detail % 20 {
        case 0: .completed
        case 1: .expired
        default: .open
        }
    }

    /// Any input, whatever the attempt's situation.
    private func anyInput(sessionID: String) -> AttemptInput {
        let reason = FetchReason.allCases[detail % FetchReason.allCases.count]
        switch kind {
        case 0..<8: return .sessionCreated(session(sessionID, status))
        case 8..<18: return .payAnswered(session(sessionID, status))
        case 18..<38: return .callFailed(GatewayCall.allCases[(detail / 5) % GatewayCall.allCases.count], error)
        case 38..<62: return .fetched(session(sessionID, status), reason)
        case 62..<70: return .fetchFailed(reason, error)
        case 70..<82: return hint(sessionID)
        case 82..<91: return .deadlineReached
        case 91..<94: return .cancelRequested
        default:
            return .resolvedByOperator(
                Resolution(state: AttemptState.allCases[detail % AttemptState.allCases.count], reason: "random", operatorName: "property"))
        }
    }

    /// An input that fits where the attempt stands.
    private func fittingInput(for attempt: Attempt, sessionID: String) -> AttemptInput {
        switch (attempt.state, attempt.stage) {
        case (.submitted, .creatingSession):
            return kind < 70 ? .sessionCreated(session(sessionID, .open)) : .callFailed(.createSession, error)
        case (.submitted, .paying), (.submitted, .repaying):
            if kind < 45 { return .payAnswered(session(sessionID, status)) }
            return kind < 55 ? hint(sessionID) : .callFailed(.pay, error)
        case (.submitted, _):
            return kind < 75 ? .fetched(session(sessionID, status), .verifyCall) : .fetchFailed(.verifyCall, error)
        case (.awaitingConfirmation, _):
            switch kind {
            case 0..<50: return .fetched(session(sessionID, status), .poll)
            case 50..<65: return hint(sessionID)
            case 65..<80: return .fetched(session(sessionID, status), .webhook)
            case 80..<90: return .fetchFailed(.poll, error)
            case 90..<94: return .deadlineReached
            default: return .fetched(session(sessionID, status), .finalPoll)
            }
        case (.expired, _), (.canceled, _):
            if kind < 60 { return .fetched(session(sessionID, status), .gracePoll) }
            return kind < 80 ? hint(sessionID) : .fetchFailed(.gracePoll, error)
        case (.completed, _), (.failed, _):
            return anyInput(sessionID: sessionID)
        }
    }
}

/// A payment driven through a random history: its attempts, the shared context and the clock.
struct RandomPayment {
    let machine: AttemptMachine
    var now = Fixture.t0
    var attempts: [Attempt] = []
    var context = PaymentContext()
    var transitions: [Transition] = []
    /// Attempts whose code has been erased at some point.
    var codeGone: Set<AttemptID> = []

    init(machine: AttemptMachine) throws {
        self.machine = machine
        try submit()
    }

    mutating func submit() throws {
        let transition = machine.submit(try Fixture.submission(number: attempts.count + 1), now: now)
        check(submission: transition)
        attempts.append(transition.attempt)
        transitions.append(transition)
    }

    mutating func run(_ step: RandomStep) throws {
        now = now.addingTimeInterval(step.seconds)
        if step.submitsNewAttempt {
            if attempts.count < 6 { try submit() }
            return
        }
        let index = step.target % attempts.count
        let attempt = attempts[index]
        let input = step.input(for: attempt, sessionID: attempt.sessionID ?? "cs_\(index)")
        let transition = machine.transition(attempt, input, context: context, now: now)
        check(transition, input: input, context: context)
        attempts[index] = transition.attempt
        transitions.append(transition)
        if transition.completesPayment {
            context.completedAttemptID = transition.attempt.id
        }
    }

    /// The invariants of a submission.
    func check(submission transition: Transition) {
        #expect(transition.attempt.version == 1)
        #expect(transition.attempt.state == .submitted)
        #expect(transition.attempt.code != nil)
        checkSchedule(transition.effects)
    }

    /// The invariants of one transition, whatever the input and the time.
    mutating func check(_ transition: Transition, input: AttemptInput, context: PaymentContext) {
        let before = transition.previous
        let after = transition.attempt
        guard let before else {
            Issue.record("a transition has no previous attempt")
            return
        }
        let label = Fixture.label(input)

        // Every input is recorded: exactly one version further.
        #expect(after.version == before.version + 1, "\(label)")
        #expect(after.id == before.id && after.paymentID == before.paymentID, "\(label)")

        // States only move forward.
        #expect(after.state.rank >= before.state.rank, "\(before.state) -> \(after.state) on \(label)")

        // Terminal states absorb: state and outcome never change.
        if before.state.isTerminal {
            #expect(after.state == before.state, "\(label)")
            #expect(after.resolvedAt == before.resolvedAt, "\(label)")
            #expect(after.outcomeSource == before.outcomeSource, "\(label)")
            #expect(after.failure == before.failure, "\(label)")
            #expect(after.late == before.late, "\(label)")
            #expect(after.duplicate == before.duplicate, "\(label)")
            #expect(after.sessionID == before.sessionID, "\(label)")
            #expect(!transition.effects.contains { if case .emit = $0 { true } else { false } }, "\(label)")
        }

        // A webhook is a hint: it never changes the attempt beyond recording it, at most it asks for a fetch.
        if case .webhookHint = input {
            var recorded = before
            recorded.version += 1
            #expect(after == recorded, "webhook changed the attempt")
            #expect(transition.effects.allSatisfy { if case .fetch(.webhook, _) = $0 { true } else { false } })
        }

        // An outcome is reached only from the API, an operator, the deadline or the order system,
        // and it records its source and time.
        if transition.changedState {
            switch input {
            case .webhookHint:
                Issue.record("\(label) changed the state")
            default:
                break
            }
            if after.state.rank >= AttemptState.expired.rank {
                // An open session (or no answer) past the deadline expires it: the deadline taught that.
                let expiredByDeadline: Bool
                switch input {
                case .fetched(let session, _): expiredByDeadline = after.state == .expired && session.status == .open
                case .fetchFailed: expiredByDeadline = after.state == .expired
                default: expiredByDeadline = false
                }
                #expect(after.outcomeSource == (expiredByDeadline ? .deadline : input.source), "\(label)")
                #expect(after.resolvedAt == now, "\(label)")
            }
            if after.state == .completed {
                switch input {
                case .sessionCreated(let session), .payAnswered(let session), .fetched(let session, _):
                    #expect(session.status == .completed, "completed on a \(session.status) session")
                case .resolvedByOperator(let resolution) where resolution.state == .completed:
                    break
                default:
                    Issue.record("\(label) completed the attempt")
                }
            }
        }

        // The code: gone once the gateway took it or the attempt is decided, and it never comes back.
        if before.code == nil || codeGone.contains(after.id) {
            #expect(after.code == nil, "the code reappeared on \(label)")
        }
        if case .payAnswered = input, before.state == .submitted, [.paying, .repaying].contains(before.stage) {
            #expect(after.code == nil, "the code outlived the gateway's answer to the pay call")
        }
        if after.state != .submitted {
            #expect(after.code == nil, "the code outlived the submitted state")
        }
        let erases = transition.effects.contains(.eraseCode)
        #expect(erases == (before.code != nil && after.code == nil), "eraseCode effect and code disagree on \(label)")
        if after.code == nil { codeGone.insert(after.id) }

        // Events match state changes.
        let events = transition.events
        let completedNow = transition.changedState && after.state == .completed
        let wasLate = before.state.isWatchedForLateCompletion
        #expect(events.contains(.completed) == (completedNow && !wasLate), "\(label)")
        #expect(events.contains(.completedLate) == (completedNow && wasLate), "\(label)")
        #expect(events.contains(.canceled) == (transition.changedState && after.state == .canceled), "\(label)")
        if transition.changedState && after.state == .canceled {
            let cancels = if case .canceledByOperator = input { true } else { input == .cancelRequested }
            #expect(cancels, "only the order system or an operator cancels: \(label)")
            #expect(!transition.effects.contains { if case .call = $0 { true } else { false } }, "a canceled attempt calls nothing")
        }
        #expect(events.contains(.expired) == (transition.changedState && after.state == .expired), "\(label)")
        #expect(events.contains(.failed) == (transition.changedState && after.state == .failed), "\(label)")
        #expect(events.contains(.awaitingConfirmation) == (transition.changedState && after.state == .awaitingConfirmation), "\(label)")
        #expect(after.late == (after.state == .completed && (before.late || (completedNow && wasLate))), "\(label)")

        // A completion while another attempt completed the payment is a duplicate charge.
        if completedNow {
            let isDuplicate = context.completedAttemptID.map { $0 != after.id } ?? false
            #expect(after.duplicate == isDuplicate)
            #expect(events.contains(.duplicateCharge) == isDuplicate)
            #expect(transition.completesPayment == !isDuplicate)
            let refunds = transition.effects.contains { if case .refundCharge(.duplicated, _) = $0 { true } else { false } }
            #expect(refunds == (isDuplicate && machine.policy.refundsDuplicates))
            let refundsCanceled = transition.effects.contains { if case .refundCharge(.requestedByCustomer, _) = $0 { true } else { false } }
            #expect(refundsCanceled == (!isDuplicate && before.state == .canceled && machine.policy.refundsDuplicates), "\(label)")
        } else {
            #expect(!events.contains(.duplicateCharge), "\(label)")
            #expect(after.duplicate == before.duplicate)
        }

        checkSchedule(transition.effects)
    }

    /// No effect is scheduled in the past, and no task kind is asked for twice in one transition.
    func checkSchedule(_ effects: [Effect]) {
        var kinds: [TaskKind] = []
        for effect in effects {
            switch effect {
            case .call(_, let at):
                #expect(at >= now, "\(effect) scheduled before \(now)")
                kinds.append(.call)
            case .fetch(_, let at):
                #expect(at >= now, "\(effect) scheduled before \(now)")
                kinds.append(.fetch)
            case .scheduleDeadline(let at):
                #expect(at >= now, "\(effect) scheduled before \(now)")
                kinds.append(.deadline)
            case .refundCharge(_, let at):
                #expect(at >= now, "\(effect) scheduled before \(now)")
                kinds.append(.refund)
            case .cancel, .emit, .eraseCode:
                break
            }
        }
        #expect(Set(kinds).count == kinds.count, "\(effects)")
    }

    /// The invariants of the whole payment at the end.
    func checkPayment() {
        let firstCompletions = transitions.filter(\.completesPayment)
        #expect(firstCompletions.count <= 1, "the payment completed \(firstCompletions.count) times")
        let paid = attempts.filter { $0.state == .completed && !$0.duplicate }
        #expect(paid.count <= 1)
        #expect(paid.first?.id == context.completedAttemptID)
        for attempt in attempts where attempt.state == .completed && attempt.id != context.completedAttemptID {
            #expect(attempt.duplicate)
        }
    }
}

@Suite("Attempt machine properties")
struct AttemptMachinePropertyTests {
    static let steps = zip(
        Gen.int(in: 0...5), Gen.int(in: 0...49), Gen.int(in: 0...99), Gen.int(in: 0...59), Gen.int(in: 0...9)
    ).map { target, advance, kind, detail, mode in
        RandomStep(target: target, advance: advance, kind: kind, detail: detail, mode: mode)
    }

    @Test("invariants hold over long random histories of a payment's attempts")
    func invariants() async {
        await propertyCheck(count: 200, input: Self.steps.array(of: 200...600)) { steps in
            var payment = try RandomPayment(machine: AttemptMachine())
            for step in steps {
                try payment.run(step)
            }
            payment.checkPayment()
        }
    }

    @Test("invariants hold when duplicates are refunded")
    func invariantsWithRefunds() async {
        var policy = AttemptPolicy()
        policy.refundsDuplicates = true
        let machine = AttemptMachine(policy: policy)
        await propertyCheck(count: 100, input: Self.steps.array(of: 200...600)) { steps in
            var payment = try RandomPayment(machine: machine)
            for step in steps {
                try payment.run(step)
            }
            payment.checkPayment()
        }
    }

    @Test("the machine is a pure function: the same input gives the same transition")
    func deterministic() async {
        await propertyCheck(count: 50, input: Self.steps.array(of: 50...200)) { steps in
            var first = try RandomPayment(machine: AttemptMachine())
            var second = first
            for step in steps {
                try first.run(step)
                try second.run(step)
            }
            #expect(first.attempts == second.attempts)
            #expect(first.transitions == second.transitions)
        }
    }
}
