extension ConvergeGateSandbox {
    /// The bank confirms session `sessionID` now: it becomes `completed`, the charge is recorded
    /// and `session.completed` is raised (with the configured webhook chaos).
    ///
    /// Works on any open session, paid or not, and whether or not the bank holds it.
    public func complete(sessionID: String) throws {
        try self.requireOpen(sessionID)
        self.completeSession(sessionID)
    }

    /// Session `sessionID` expires now and `session.expired` is raised (with the configured
    /// webhook chaos).
    public func expire(sessionID: String) throws {
        try self.requireOpen(sessionID)
        self.expireSession(sessionID)
    }

    /// The bank holds session `sessionID`: timers already running for it do nothing, and a later
    /// accepted code waits too, until ``complete(sessionID:)``, ``expire(sessionID:)`` or
    /// ``release(sessionID:)``.
    public func hold(sessionID: String) throws {
        try self.requireOpen(sessionID)
        self.sessions[sessionID]?.held = true
        self.sessions[sessionID]?.bankGeneration += 1
    }

    /// Ends a ``hold(sessionID:)``: if a code was accepted, the bank draws a fresh confirmation
    /// delay from ``BankBehavior/confirmationDelay`` and confirms after it.
    public func release(sessionID: String) throws {
        try self.requireOpen(sessionID)
        self.sessions[sessionID]?.held = false
        self.sessions[sessionID]?.bankGeneration += 1
        guard self.sessions[sessionID]?.codeAccepted == true else { return }
        let delay = self.configuration.bank.confirmationDelay.sample(using: &self.generator)
        self.begin(.confirm(after: delay), sessionID: sessionID)
    }

    /// Sends an event of `type` about session `sessionID` now, exactly once and without webhook
    /// chaos (failed attempts are still retried). Its `data.status` is the session's status now.
    /// Returns the event id.
    @discardableResult
    public func deliverWebhook(sessionID: String, type: SandboxEventType) throws -> String {
        guard self.sessions[sessionID] != nil else {
            throw SandboxError(code: .unknownSession, sessionID: sessionID)
        }
        return self.raise(type, sessionID: sessionID, scripted: true)
    }

    /// Changes the amount session `sessionID` reports, as a gateway error or a tampered record
    /// would: for tests of reconciliation.
    public func tamper(sessionID: String, amount: Int) throws {
        guard self.sessions[sessionID] != nil else {
            throw SandboxError(code: .unknownSession, sessionID: sessionID)
        }
        self.sessions[sessionID]?.amount = amount
    }

    private func requireOpen(_ sessionID: String) throws {
        guard let session = self.sessions[sessionID] else {
            throw SandboxError(code: .unknownSession, sessionID: sessionID)
        }
        guard session.status == .open else {
            throw SandboxError(code: .sessionNotOpen, sessionID: sessionID)
        }
    }
}
