/// Stored answers of requests sent with an `Idempotency-Key`, as Stripe keeps them: a key is
/// global to the account; the same method, path and parameters replay the stored answer; the key
/// with another request is a conflict; 5xx answers are not stored.
struct IdempotencyStore: Sendable {
    /// What a key decides about a request.
    enum Decision: Sendable {
        /// Not seen: handle the request, then store its answer.
        case new
        /// Seen with this very request: send the stored answer again.
        case replay(SandboxResponse)
        /// Seen with another request.
        case conflict
    }

    private struct Entry: Sendable {
        let request: String
        let response: SandboxResponse
    }

    private var entries: [String: Entry] = [:]

    func decide(key: String, request: SandboxRequest) -> Decision {
        guard let entry = self.entries[key] else { return .new }
        return entry.request == request.canonical ? .replay(entry.response) : .conflict
    }

    mutating func store(key: String, request: SandboxRequest, response: SandboxResponse) {
        guard response.status < 500 else { return }
        self.entries[key] = Entry(request: request.canonical, response: response)
    }
}
