import Foundation

/// One API request as the sandbox's core sees it, taken apart by the router.
struct SandboxRequest: Sendable {
    let endpoint: SandboxEndpoint
    let method: String
    let path: String
    /// The `{id}` of the path, if it has one.
    let resourceID: String?
    let parameters: FormParameters
    let authorization: String?
    let idempotencyKey: String?

    /// Method, path and parameters, for comparing idempotent requests.
    var canonical: String {
        "\(self.method) \(self.path)?\(self.parameters.fingerprint)"
    }
}

/// One API answer: an HTTP status and a JSON body.
struct SandboxResponse: Sendable {
    let status: Int
    let body: Data
    /// Whether this answer replays one stored under an idempotency key.
    var replayed = false
    /// How long to hold the answer back after the request was applied.
    var holdFor: Duration = .zero

    init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }

    init(error: SandboxAPIError) {
        self.init(status: error.status, body: SandboxResponse.json(error))
    }

    /// `value` as JSON.
    static func json(_ value: some Encodable) -> Data {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(value)
        } catch {
            // The encoded types are the sandbox's own plain structs; they always encode.
            preconditionFailure("Encoding sandbox JSON failed: \(error)")
        }
    }
}
