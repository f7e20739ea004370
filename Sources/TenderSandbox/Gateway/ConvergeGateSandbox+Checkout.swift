import Foundation

extension ConvergeGateSandbox {
    private static let createParameters: Set<String> = [
        "amount", "currency", "customer_email", "customer_firstname", "customer_lastname", "success_url",
        "cancel_url", "notification_url", "customer_ip", "customer_country", "payment_method", "expires_at",
        "locale",
    ]

    /// `POST /v1/checkout/sessions`.
    func createSession(_ parameters: FormParameters) throws(SandboxAPIError) -> SandboxResponse {
        if let unknown = parameters.unknownParameter(allowed: Self.createParameters) {
            throw .invalidRequest("Received unknown parameter: \(unknown).", param: unknown)
        }
        let amountText = try Self.required("amount", in: parameters)
        guard let amount = Int(amountText), amount > 0 else {
            throw .invalidRequest("Invalid amount: must be a positive integer in minor units.", param: "amount")
        }
        let currency = try Self.required("currency", in: parameters).lowercased()
        guard currency == "pln" else {
            throw .invalidRequest("Invalid currency: BLIK payments accept only pln.", param: "currency")
        }
        let email = try Self.required("customer_email", in: parameters)
        guard email.contains("@") else {
            throw .invalidRequest("Invalid email address.", param: "customer_email")
        }
        let firstname = try Self.required("customer_firstname", in: parameters)
        let lastname = try Self.required("customer_lastname", in: parameters)
        let successURL = try Self.required("success_url", in: parameters)
        if let method = parameters["payment_method"], method != "blik" {
            throw .invalidRequest("Invalid payment_method: only blik is supported.", param: "payment_method")
        }
        let notificationURL = parameters["notification_url"].flatMap { $0.isEmpty ? nil : $0 }
        if let notificationURL, !(notificationURL.hasPrefix("http://") || notificationURL.hasPrefix("https://")) {
            throw .invalidRequest("Invalid URL: notification_url.", param: "notification_url")
        }
        let now = Date()
        var expireAt = Int(now.timeIntervalSince1970) + 24 * 3600
        if let expiresText = parameters["expires_at"] {
            guard let expires = Int(expiresText), expires > Int(now.timeIntervalSince1970) else {
                throw .invalidRequest("Invalid expires_at: must be a Unix time in the future.", param: "expires_at")
            }
            expireAt = expires
        }
        let session = CheckoutSession(
            id: SandboxIdentifier.session(),
            status: .open,
            amount: amount,
            currency: currency,
            customerFirstname: firstname,
            customerLastname: lastname,
            customerEmail: email,
            successURL: successURL,
            cancelURL: parameters["cancel_url"] ?? "",
            notificationURL: notificationURL,
            locale: parameters["locale"] ?? "",
            expireAt: expireAt,
            metadata: parameters.metadata,
            createdAt: now
        )
        self.sessions[session.id] = session
        self.sessionOrder.append(session.id)
        self.openExpiries[session.id] = expireAt
        self.logger.debug("Sandbox session created", metadata: ["session_id": "\(session.id)", "amount": "\(amount)"])
        if self.configuration.webhooks.sendsCreatedEvent {
            self.raise(.sessionCreated, sessionID: session.id)
        }
        return self.sessionResponse(session.id)
    }

    /// `GET /v1/checkout/sessions/{id}`.
    func retrieveSession(id: String) throws(SandboxAPIError) -> SandboxResponse {
        guard self.sessions[id] != nil else { throw .notFound("checkout session") }
        self.expireIfDue(id)
        return self.sessionResponse(id)
    }

    /// `GET` or `POST /v1/checkout/sessions/{id}/pay`.
    func pay(sessionID id: String, parameters: FormParameters) throws(SandboxAPIError) -> SandboxResponse {
        guard self.sessions[id] != nil else { throw .notFound("checkout session") }
        self.sessions[id]?.payCalls += 1
        if let unknown = parameters.unknownParameter(allowed: ["blik_code"]) {
            throw .invalidRequest("Received unknown parameter: \(unknown).", param: unknown)
        }
        let code = try Self.required("blik_code", in: parameters)
        guard code.utf8.count == 6, code.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw .invalidRequest("Invalid blik_code: must be 6 digits.", param: "blik_code")
        }
        self.expireIfDue(id)
        guard let session = self.sessions[id], session.status == .open else {
            throw .invalidRequest("This checkout session is no longer open and cannot be paid.")
        }
        guard !session.codeAccepted else {
            throw .invalidRequest("A BLIK code was already accepted for this checkout session.")
        }
        var holdAnswer: Duration?
        switch self.decidePay(code: code) {
        case .refuse(let error):
            throw error
        case .serverError:
            return SandboxResponse(error: .serverError)
        case .accept(let outcome, let timesOut):
            if timesOut { holdAnswer = self.configuration.chaos(for: .pay).timeoutDelay }
            self.sessions[id]?.acceptedPayCalls += 1
            self.logger.debug("Sandbox bank accepted a code", metadata: ["session_id": "\(id)"])
            self.begin(outcome, sessionID: id)
        }
        var response = self.sessionResponse(id)
        if let holdAnswer { response.holdFor = holdAnswer }
        return response
    }

    /// Expires session `id` if it is open and its `expire_at` has passed (not in manual mode).
    func expireIfDue(_ id: String) {
        guard !self.configuration.manualBank,
            let session = self.sessions[id], session.status == .open,
            session.expireAt <= Int(Date().timeIntervalSince1970)
        else { return }
        self.expireSession(id)
    }

    /// Expires every open session whose `expire_at` has passed.
    func expireDueSessions() {
        let now = Int(Date().timeIntervalSince1970)
        for (id, expireAt) in self.openExpiries where expireAt <= now {
            self.expireSession(id)
        }
    }

    /// Moves session `id` from `open` to `completed`, records the charge and raises the webhook.
    @discardableResult
    func completeSession(_ id: String) -> Bool {
        guard var session = self.sessions[id], session.status == .open else { return false }
        let now = Date()
        session.status = .completed
        session.completedAt = now
        session.held = false
        self.sessions[id] = session
        self.openExpiries[id] = nil
        self.charges.append(SandboxLedger.Charge(sessionID: id, amount: session.amount, completedAt: now))
        self.logger.debug("Sandbox session completed", metadata: ["session_id": "\(id)"])
        self.raise(.sessionCompleted, sessionID: id)
        return true
    }

    /// Moves session `id` from `open` to `expired` and raises the webhook.
    @discardableResult
    func expireSession(_ id: String) -> Bool {
        guard var session = self.sessions[id], session.status == .open else { return false }
        session.status = .expired
        session.expiredAt = Date()
        session.held = false
        self.sessions[id] = session
        self.openExpiries[id] = nil
        self.logger.debug("Sandbox session expired", metadata: ["session_id": "\(id)"])
        self.raise(.sessionExpired, sessionID: id)
        return true
    }

    static func required(_ name: String, in parameters: FormParameters) throws(SandboxAPIError) -> String {
        guard let value = parameters[name], !value.isEmpty else {
            throw .invalidRequest("Missing required param: \(name).", param: name)
        }
        return value
    }
}
