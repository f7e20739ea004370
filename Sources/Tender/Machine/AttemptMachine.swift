import Foundation

/// The per-session state machine: a pure function from an attempt, an input and the time to the
/// next attempt and its effects. No I/O happens here.
///
/// The rules it keeps:
/// - a state only moves forward (``AttemptState/rank`` never falls); terminal states absorb inputs,
///   which are still recorded (every input bumps the version);
/// - an outcome is taken only from the gateway's API — a call's answer or a fetch — never from a
///   webhook, which only leads to a fetch;
/// - the code is erased as soon as the gateway has answered the pay call, and on every outcome;
/// - a completion while another attempt of the payment has completed is a duplicate charge;
/// - a session whose amount or currency differs from the attempt's is never taken silently: one
///   created so fails the attempt before the code is sent, one completed so raises an alarm;
/// - a canceled attempt makes no further gateway call; a completion that arrives anyway is late,
///   and its charge is refunded when the policy refunds duplicates.
public struct AttemptMachine: Sendable {
    /// The timings and choices applied.
    public var policy: AttemptPolicy

    /// Creates a machine with a policy.
    public init(policy: AttemptPolicy = AttemptPolicy()) {
        self.policy = policy
    }

    /// What the order system asks for: a new attempt of a payment with a code.
    public struct Submission: Sendable, Hashable {
        /// The id the new attempt gets.
        public var attemptID: AttemptID
        /// The payment.
        public var paymentID: PaymentID
        /// The amount to collect.
        public var amount: Money
        /// The payer.
        public var customer: Customer
        /// The payer's code.
        public var code: BLIKCode

        /// Creates a submission.
        public init(attemptID: AttemptID = AttemptID(), paymentID: PaymentID, amount: Money, customer: Customer, code: BLIKCode) {
            self.attemptID = attemptID
            self.paymentID = paymentID
            self.amount = amount
            self.customer = customer
            self.code = code
        }
    }

    /// Starts an attempt: create the session now, and fire the deadline at the end of the window.
    public func submit(_ submission: Submission, now: Date) -> Transition {
        let deadline = now + policy.confirmationWindow
        let attempt = Attempt(
            id: submission.attemptID, paymentID: submission.paymentID, state: .submitted, stage: .creatingSession,
            version: 1, amount: submission.amount, customer: submission.customer, code: submission.code,
            sessionID: nil, submittedAt: now, deadline: deadline, graceUntil: deadline + policy.graceAfterDeadline,
            resolvedAt: nil, outcomeSource: nil, failure: nil, late: false, duplicate: false, retries: 0
        )
        return Transition(
            previous: nil, attempt: attempt,
            effects: [.call(.createSession, at: now), .scheduleDeadline(at: deadline)],
            note: "submitted"
        )
    }

    /// Applies one input.
    /// - Parameters:
    ///   - attempt: the attempt as stored.
    ///   - input: what happened.
    ///   - context: what is known of the payment's other attempts.
    ///   - now: the time of the transition.
    public func transition(_ attempt: Attempt, _ input: AttemptInput, context: PaymentContext, now: Date) -> Transition {
        var step = Step(attempt: attempt, context: context, policy: policy, now: now, source: input.source)
        step.apply(input)
        step.attempt.version = attempt.version + 1
        return Transition(previous: attempt, attempt: step.attempt, effects: step.effects, note: step.note)
    }
}

/// One transition in the making: the attempt being changed and the effects gathered.
private struct Step {
    var attempt: Attempt
    let context: PaymentContext
    let policy: AttemptPolicy
    let now: Date
    let source: InputSource
    var effects: [Effect] = []
    var note = ""

    init(attempt: Attempt, context: PaymentContext, policy: AttemptPolicy, now: Date, source: InputSource) {
        self.attempt = attempt
        self.context = context
        self.policy = policy
        self.now = now
        self.source = source
    }

    mutating func apply(_ input: AttemptInput) {
        switch input {
        case .sessionCreated(let session): sessionCreated(session)
        case .payAnswered(let session): payAnswered(session)
        case .callFailed(let call, let error): callFailed(call, error)
        case .fetched(let session, let reason): fetched(session, reason)
        case .fetchFailed(let reason, let error): fetchFailed(reason, error)
        case .webhookHint(let hint): webhookHint(hint)
        case .deadlineReached: deadlineReached()
        case .cancelRequested: cancelRequested(by: "the order system")
        case .canceledByOperator(let action): cancelRequested(by: action.attribution)
        case .resolvedByOperator(let resolution): resolvedByOperator(resolution)
        }
    }

    // MARK: Inputs

    mutating func sessionCreated(_ session: GatewaySession) {
        guard attempt.state == .submitted, attempt.stage == .creatingSession, attempt.sessionID == nil else {
            return ignore("session created again")
        }
        attempt.sessionID = session.id
        attempt.retries = 0
        if let mismatch = session.mismatch(with: attempt) {
            fail(.amountMismatch, "gateway opened the session wrong, the code is not sent: \(mismatch)")
            effects.append(.emit(.amountMismatch))
            return
        }
        switch session.status {
        case .open:
            attempt.stage = .paying
            effects.append(.call(.pay, at: now))
            note = "session created"
        case .completed, .expired:
            observe(session)
        }
    }

    mutating func payAnswered(_ session: GatewaySession) {
        guard attempt.state == .submitted, [.paying, .repaying].contains(attempt.stage) else {
            return observe(session)
        }
        attempt.stage = .paid
        attempt.retries = 0
        eraseCode()
        switch session.status {
        case .open: awaitConfirmation("gateway took the code")
        case .completed, .expired: observe(session)
        }
    }

    mutating func callFailed(_ call: GatewayCall, _ error: GatewayError) {
        guard attempt.state == .submitted else { return ignore("late \(call.rawValue) failure: \(error)") }
        switch (call, attempt.stage) {
        case (.createSession, .creatingSession), (.pay, .paying), (.pay, .repaying): break
        default: return ignore("stale \(call.rawValue) failure: \(error)")
        }
        switch error.kind {
        case .payerMustAct(.codeUsed) where attempt.stage == .repaying:
            // The code may be "used" by the first pay, which the gateway applied unanswered: the
            // session says whether the payer is confirming it.
            attempt.stage = .verifyingRejectedPay
            effects.append(.fetch(.verifyCall, at: now))
            note = "re-sent pay refused as blik_code_used, verifying the session: \(error)"
        case .payerMustAct(let reason):
            fail(.declined(reason), "gateway declined: \(error)")
        case .configuration:
            fail(.gatewayConfiguration, "gateway refused the credentials: \(error)")
        case .requestRejected where call == .createSession:
            fail(.rejectedByGateway, "gateway rejected the session: \(error)")
        case .requestRejected where attempt.stage == .repaying:
            // The repeated pay is refused because the gateway already holds the first one's code.
            attempt.stage = .paid
            eraseCode()
            awaitConfirmation("gateway holds the code from the unanswered pay")
        case .requestRejected:
            attempt.stage = .verifyingRejectedPay
            effects.append(.fetch(.verifyCall, at: now))
            note = "pay rejected, verifying the session: \(error)"
        case .retryLater where call == .pay && error.outcomeUnknown:
            attempt.stage = .verifyingUnknownPay
            effects.append(.fetch(.verifyCall, at: now))
            note = "pay outcome unknown, verifying the session: \(error)"
        case .retryLater:
            retry(call, "\(call.rawValue) failed, retrying: \(error)")
        }
    }

    mutating func fetched(_ session: GatewaySession, _ reason: FetchReason) {
        switch (attempt.state, session.status) {
        case (.completed, _), (.failed, _):
            ignore("fetched \(session.status.rawValue) after the outcome")
        case (_, .completed), (.submitted, .expired), (.awaitingConfirmation, .expired):
            observe(session)
        case (.submitted, .open):
            attempt.retries = 0
            switch attempt.stage {
            case .verifyingUnknownPay:
                attempt.stage = .repaying
                effects.append(.call(.pay, at: now))
                note = "session still open, sending the pay again under the same idempotency key"
            case .verifyingRejectedPay:
                // The gateway also refuses a pay when it already holds a code for the session
                // (an earlier pay it applied without our knowing). Failing would lose that
                // payment; waiting costs at most the deadline, and grace polls follow.
                attempt.stage = .paid
                eraseCode()
                awaitConfirmation("gateway refused the pay but the session is open; it may hold an earlier code")
            default:
                note = "session open, call sequence in progress"
            }
        case (.awaitingConfirmation, .open):
            if now >= attempt.deadline {
                expire("no confirmation by the deadline", learnedFrom: .deadline)
            } else {
                effects.append(.fetch(.poll, at: min(policy.onPollGrid(now + policy.pollInterval), attempt.deadline)))
                note = "session open, payer confirming"
            }
        case (.expired, .open), (.expired, .expired), (.canceled, .open), (.canceled, .expired):
            graceRepoll("\(attempt.state.rawValue) attempt's session still \(session.status.rawValue)")
        }
    }

    mutating func fetchFailed(_ reason: FetchReason, _ error: GatewayError) {
        switch attempt.state {
        case .submitted where [.verifyingUnknownPay, .verifyingRejectedPay].contains(attempt.stage):
            attempt.retries += 1
            effects.append(.fetch(.verifyCall, at: now + policy.backoff(afterRetries: attempt.retries)))
            note = "verifying fetch failed, retrying: \(error)"
        case .awaitingConfirmation where now >= attempt.deadline:
            expire("no confirmation by the deadline; the last poll failed: \(error)", learnedFrom: .deadline)
        case .awaitingConfirmation:
            effects.append(.fetch(.poll, at: min(policy.onPollGrid(now + policy.pollInterval), attempt.deadline)))
            note = "poll failed: \(error)"
        case .expired, .canceled:
            graceRepoll("grace poll failed: \(error)")
        case .submitted, .completed, .failed:
            ignore("fetch failed: \(error)")
        }
    }

    mutating func webhookHint(_ hint: WebhookHint) {
        guard !attempt.state.isTerminal, attempt.sessionID != nil else {
            return ignore("webhook \(hint.type) needs no fetch")
        }
        effects.append(.fetch(.webhook, at: now))
        note = "webhook \(hint.type), fetching the session"
    }

    mutating func deadlineReached() {
        switch attempt.state {
        case .submitted:
            expire("deadline passed before the gateway took the code")
        case .awaitingConfirmation:
            effects.append(.fetch(.finalPoll, at: now))
            note = "deadline reached, last poll"
        case .completed, .expired, .failed, .canceled:
            ignore("deadline after the outcome")
        }
    }

    /// Cancels the attempt in flight; `canceler` names who asked, e.g. `the order system`.
    mutating func cancelRequested(by canceler: String) {
        switch attempt.state {
        case .submitted where attempt.sessionID == nil:
            cancel("canceled by \(canceler) before the gateway had a session", watching: false)
        case .submitted, .awaitingConfirmation:
            cancel("canceled by \(canceler); the session is watched until it expires", watching: true)
        case .completed, .expired, .failed, .canceled:
            ignore("cancel refused: the attempt is \(attempt.state.rawValue)")
        }
    }

    mutating func resolvedByOperator(_ resolution: Resolution) {
        let state = resolution.state
        var reason = "\(resolution.reason) (by \(resolution.operatorName)"
        if resolution.forced {
            reason += ", overriding the gateway's \(resolution.gatewayStatus?.rawValue ?? "missing") session"
        }
        reason += ")"
        guard state.rank > attempt.state.rank || (attempt.state.isWatchedForLateCompletion && state.isTerminal) else {
            return ignore("operator resolution to \(state.rawValue) refused: states only move forward")
        }
        switch state {
        case .completed: complete("resolved by an operator: \(reason)")
        case .expired: expire("resolved by an operator: \(reason)")
        case .failed: fail(.resolvedByOperator, "resolved by an operator: \(reason)")
        case .submitted, .awaitingConfirmation, .canceled: ignore("operator resolution to \(state.rawValue) refused")
        }
    }

    // MARK: Building blocks

    /// Takes an authoritative session status from the API.
    mutating func observe(_ session: GatewaySession) {
        switch (attempt.state, session.status) {
        case (.completed, _), (.failed, _):
            ignore("gateway reports \(session.status.rawValue) after the outcome")
        case (_, .completed):
            complete("gateway reports the session completed")
            if let mismatch = session.mismatch(with: attempt) {
                effects.append(.emit(.amountMismatch))
                note += "; ALARM: \(mismatch)"
            }
        case (.expired, _), (.canceled, _):
            graceRepoll("gateway reports the \(attempt.state.rawValue) attempt's session \(session.status.rawValue)")
        case (_, .expired):
            expire("gateway expired the session")
        case (_, .open):
            note = "gateway reports the session open"
        }
    }

    mutating func awaitConfirmation(_ why: String) {
        attempt.state = .awaitingConfirmation
        effects.append(.emit(.awaitingConfirmation))
        effects.append(.fetch(.poll, at: max(now, min(policy.onPollGrid(now + policy.firstPollDelay), attempt.deadline))))
        note = why
    }

    mutating func complete(_ why: String) {
        let wasLate = attempt.state.isWatchedForLateCompletion
        let wasCanceled = attempt.state == .canceled
        eraseCode()
        attempt.state = .completed
        attempt.stage = .paid
        attempt.resolvedAt = now
        attempt.outcomeSource = source
        attempt.late = wasLate
        attempt.retries = 0
        effects += [.cancel(.call), .cancel(.fetch), .cancel(.deadline)]
        effects.append(.emit(wasLate ? .completedLate : .completed))
        note = why
        if let first = context.completedAttemptID, first != attempt.id {
            attempt.duplicate = true
            effects.append(.emit(.duplicateCharge))
            note += "; duplicate charge, attempt \(first) completed the payment first"
            if policy.refundsDuplicates {
                effects.append(.refundCharge(.duplicated, at: now))
            }
        } else if wasCanceled {
            note += "; the order system had canceled the attempt"
            if policy.refundsDuplicates {
                effects.append(.refundCharge(.requestedByCustomer, at: now))
            }
        }
    }

    /// Cancels the attempt for the order system. Watching, the session is polled sparsely for a
    /// completion that arrives anyway, as an expired attempt's is.
    mutating func cancel(_ why: String, watching: Bool) {
        eraseCode()
        attempt.state = .canceled
        attempt.resolvedAt = now
        attempt.outcomeSource = source
        attempt.retries = 0
        effects += [.cancel(.call), .cancel(.deadline), .emit(.canceled)]
        if watching, now < attempt.graceUntil {
            effects.append(.fetch(.gracePoll, at: min(policy.onPollGrid(now + policy.gracePollInterval), attempt.graceUntil)))
        } else {
            effects.append(.cancel(.fetch))
        }
        note = why
    }

    /// Expires the attempt. An expiry because the deadline passed is learned from the deadline,
    /// whichever poll noticed it.
    mutating func expire(_ why: String, learnedFrom source: InputSource? = nil) {
        eraseCode()
        attempt.state = .expired
        attempt.resolvedAt = now
        attempt.outcomeSource = source ?? self.source
        attempt.retries = 0
        effects += [.cancel(.call), .cancel(.deadline), .emit(.expired)]
        if attempt.sessionID != nil, now < attempt.graceUntil {
            effects.append(.fetch(.gracePoll, at: min(policy.onPollGrid(now + policy.gracePollInterval), attempt.graceUntil)))
        } else {
            effects.append(.cancel(.fetch))
        }
        note = why
    }

    mutating func fail(_ reason: FailureReason, _ why: String) {
        eraseCode()
        attempt.state = .failed
        attempt.failure = reason
        attempt.resolvedAt = now
        attempt.outcomeSource = source
        attempt.retries = 0
        effects += [.cancel(.call), .cancel(.fetch), .cancel(.deadline), .emit(.failed)]
        note = why
    }

    mutating func graceRepoll(_ why: String) {
        if now < attempt.graceUntil {
            effects.append(.fetch(.gracePoll, at: min(policy.onPollGrid(now + policy.gracePollInterval), attempt.graceUntil)))
            note = why
        } else {
            note = why + "; grace period over"
        }
    }

    mutating func retry(_ call: GatewayCall, _ why: String) {
        attempt.retries += 1
        effects.append(.call(call, at: now + policy.backoff(afterRetries: attempt.retries)))
        note = why
    }

    mutating func eraseCode() {
        guard attempt.code != nil else { return }
        attempt.code = nil
        effects.append(.eraseCode)
    }

    mutating func ignore(_ why: String) {
        note = "recorded, no change: " + why
    }
}
