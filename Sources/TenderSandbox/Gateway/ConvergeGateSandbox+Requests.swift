import Foundation

extension ConvergeGateSandbox {
    /// What the endpoint chaos decided for one request before it is handled.
    struct EndpointPlan: Sendable {
        /// Latency to add before handling the request.
        var delayBefore: Duration = .zero
        /// Answer 500 without applying the request.
        var serverError = false
        /// Apply the request, then hold the answer back this long.
        var holdAnswer: Duration?
        /// Answer 409, key in use, without applying a request that carries a key.
        var keyInUse = false
    }

    /// Counts a request to `endpoint` and draws what its chaos does to it.
    func beginRequest(_ endpoint: SandboxEndpoint) -> EndpointPlan {
        self.requestCounts[endpoint, default: 0] += 1
        let chaos = self.configuration.chaos(for: endpoint)
        var plan = EndpointPlan()
        plan.delayBefore = chaos.latency.sample(using: &self.generator)
        if self.generator.chance(chaos.slowRate) {
            plan.delayBefore += chaos.slowDelay.sample(using: &self.generator)
        }
        plan.serverError = self.generator.chance(chaos.serverErrorRate)
        if self.generator.chance(chaos.acceptThenTimeoutRate) {
            plan.holdAnswer = chaos.timeoutDelay
        }
        plan.keyInUse = self.generator.chance(chaos.keyInUseRate)
        return plan
    }

    /// Handles one API request: authentication, chaos, idempotency, then the endpoint itself.
    func handle(_ request: SandboxRequest, plan: EndpointPlan) -> SandboxResponse {
        if let refusal = self.authenticate(request.authorization) {
            return SandboxResponse(error: refusal)
        }
        if plan.serverError {
            return SandboxResponse(error: .serverError)
        }
        let storesAnswer = request.endpoint == .create || request.endpoint == .pay || request.endpoint == .refund
        let key = storesAnswer ? request.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 } : nil
        if key != nil, plan.keyInUse {
            return SandboxResponse(
                error: .invalidRequest(
                    "There is currently another in-progress request using this Idempotent Key. Please try again later.", param: nil, status: 409)
            )
        }
        if let key {
            switch self.idempotency.decide(key: key, request: request) {
            case .new:
                break
            case .replay(var stored):
                stored.replayed = true
                stored.holdFor = plan.holdAnswer ?? .zero
                return stored
            case .conflict:
                return SandboxResponse(
                    error: .invalidRequest(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                        param: nil,
                        status: 409
                    )
                )
            }
        }
        var response: SandboxResponse
        do {
            response = try self.apply(request)
        } catch {
            response = SandboxResponse(error: error)
        }
        if let key {
            self.idempotency.store(key: key, request: request, response: response)
        }
        if let hold = plan.holdAnswer {
            response.holdFor = max(response.holdFor, hold)
        }
        return response
    }

    private func apply(_ request: SandboxRequest) throws(SandboxAPIError) -> SandboxResponse {
        let id = request.resourceID ?? ""
        switch request.endpoint {
        case .create:
            return try self.createSession(request.parameters)
        case .retrieve:
            return try self.retrieveSession(id: id)
        case .pay:
            return try self.pay(sessionID: id, parameters: request.parameters)
        case .refund:
            return try self.createRefund(request.parameters)
        case .retrieveRefund:
            return try self.retrieveRefund(id: id)
        }
    }

    /// Checks basic auth (the key as user name) or a bearer token; `nil` when authenticated.
    private func authenticate(_ authorization: String?) -> SandboxAPIError? {
        guard let authorization, !authorization.isEmpty else {
            return .authentication("You did not provide an API key.")
        }
        let presented: String?
        if authorization.lowercased().hasPrefix("bearer ") {
            presented = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if authorization.lowercased().hasPrefix("basic ") {
            let encoded = authorization.dropFirst("basic ".count).trimmingCharacters(in: .whitespaces)
            presented = Data(base64Encoded: encoded)
                .flatMap { String(data: $0, encoding: .utf8) }
                .map { String($0.prefix { $0 != ":" }) }
        } else {
            presented = nil
        }
        guard let presented, Self.constantTimeEqual(presented, self.configuration.secretKey) else {
            return .authentication("Invalid API key provided.")
        }
        return nil
    }

    private static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The JSON answer for session `id`.
    func sessionResponse(_ id: String) -> SandboxResponse {
        guard let session = self.sessions[id] else {
            return SandboxResponse(error: .notFound("checkout session"))
        }
        let refunds = session.refundIDs.compactMap { self.refunds[$0] }.map { RefundBody(refund: $0, livemode: self.livemode) }
        let body = CheckoutSessionBody(session: session, refunds: refunds, baseURL: self.baseURL, livemode: self.livemode)
        return SandboxResponse(status: 200, body: SandboxResponse.json(body))
    }
}
