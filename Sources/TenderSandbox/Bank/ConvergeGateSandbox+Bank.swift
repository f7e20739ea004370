extension ConvergeGateSandbox {
    /// How the payer ends an accepted payment.
    enum BankOutcome: Sendable {
        /// Confirmed at once; pay answers `completed`.
        case immediate
        /// Confirmed after this delay (unscaled).
        case confirm(after: Duration)
        /// Never confirmed; the session expires when the payer gives up.
        case neverConfirm
        /// Held until a test decides.
        case hold
    }

    /// What the bank makes of one pay call.
    enum PayDecision: Sendable {
        /// The code is refused with this error.
        case refuse(SandboxAPIError)
        /// The gateway fails without applying the call.
        case serverError
        /// The code is accepted; `timesOut` holds the answer past the client's timeout.
        case accept(BankOutcome, timesOut: Bool)
    }

    /// Decides a pay call: a magic code decides alone, any other code draws from the bank's rates.
    func decidePay(code: String) -> PayDecision {
        if let magic = MagicBLIKCode(rawValue: code) {
            return self.decide(magic)
        }
        let bank = self.configuration.bank
        let refusals: [(rate: Double, code: MagicBLIKCode)] = [
            (bank.invalidCodeRate, .invalid),
            (bank.expiredCodeRate, .expired),
            (bank.usedCodeRate, .used),
            (bank.declineRate / 2, .insufficientFunds),
            (bank.declineRate / 2, .doNotHonor),
        ]
        var draw = Double.random(in: 0..<1, using: &self.generator)
        for refusal in refusals {
            if draw < refusal.rate { return self.decide(refusal.code) }
            draw -= refusal.rate
        }
        var outcomeDraw = Double.random(in: 0..<1, using: &self.generator)
        let outcomes: [(rate: Double, code: MagicBLIKCode)] = [
            (bank.immediateCompletionRate, .immediateCompletion),
            (bank.neverConfirmRate, .neverConfirm),
            (bank.lateCompletionRate, .lateCompletion),
        ]
        for outcome in outcomes {
            if outcomeDraw < outcome.rate { return self.decide(outcome.code) }
            outcomeDraw -= outcome.rate
        }
        return .accept(.confirm(after: bank.confirmationDelay.sample(using: &self.generator)), timesOut: false)
    }

    private func decide(_ magic: MagicBLIKCode) -> PayDecision {
        let bank = self.configuration.bank
        switch magic {
        case .invalid:
            return .refuse(.codeRefused("invalid_blik_code", message: "The BLIK code is not valid."))
        case .expired:
            return .refuse(.codeRefused("blik_code_expired", message: "The BLIK code has expired."))
        case .used:
            return .refuse(.codeRefused("blik_code_used", message: "The BLIK code was already used."))
        case .insufficientFunds:
            return .refuse(.codeRefused("insufficient_funds", message: "The bank declined the payment."))
        case .doNotHonor:
            return .refuse(.codeRefused("do_not_honor", message: "The bank declined the payment."))
        case .neverConfirm:
            return .accept(.neverConfirm, timesOut: false)
        case .lateCompletion:
            return .accept(.confirm(after: bank.lateCompletionDelay.sample(using: &self.generator)), timesOut: false)
        case .immediateCompletion:
            return .accept(.immediate, timesOut: false)
        case .hold:
            return .accept(.hold, timesOut: false)
        case .serverError:
            return .serverError
        case .acceptThenTimeout:
            return .accept(.confirm(after: bank.confirmationDelay.sample(using: &self.generator)), timesOut: true)
        }
    }

    /// Starts the bank's handling of an accepted code on session `id`.
    func begin(_ outcome: BankOutcome, sessionID id: String) {
        guard let session = self.sessions[id] else { return }
        switch outcome {
        case .immediate:
            self.completeSession(id)
        case .hold:
            self.sessions[id]?.held = true
        case .confirm(let delay):
            guard !self.configuration.manualBank, !session.held else { return }
            self.schedule(.confirm(sessionID: id, generation: session.bankGeneration), after: self.scaled(delay))
        case .neverConfirm:
            guard !self.configuration.manualBank, !session.held else { return }
            let delay = self.scaled(self.configuration.bank.payerGivesUpAfter)
            self.schedule(.abandon(sessionID: id, generation: session.bankGeneration), after: delay)
        }
    }

    /// The payer confirmed (a timer fired); ignored if the session was held or rescheduled since.
    func bankConfirms(sessionID id: String, generation: Int) {
        guard let session = self.sessions[id], session.bankGeneration == generation, !session.held else { return }
        self.completeSession(id)
    }

    /// The payer gave up (a timer fired); ignored if the session was held or rescheduled since.
    func payerGivesUp(sessionID id: String, generation: Int) {
        guard let session = self.sessions[id], session.bankGeneration == generation, !session.held else { return }
        self.expireSession(id)
    }
}
