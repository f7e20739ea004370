import TenderOpenAPI

/// A refusal from Tender: the HTTP status and the error object's stable `code` and `message`.
public struct TenderClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// A stable snake_case code, such as `idempotency_conflict`; `undocumented` for an answer the
    /// API does not declare.
    public var code: String
    /// What was refused and why, without the values sent.
    public var message: String

    /// Creates an error.
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(status: Int, _ refusal: some Refusal) {
        let body = refusal.errorBody
        self.init(status: status, code: body?.error.code ?? "unreadable", message: body?.error.message ?? "the error object could not be read")
    }

    init(undocumented status: Int) {
        self.init(status: status, code: "undocumented", message: "Tender answered \(status), which its API does not declare here")
    }

    /// Refuses an empty payment id before anything is sent, as the worker refuses every id that is
    /// not 1 to 128 printable ASCII characters (422 `invalid_identifier`): an empty path segment
    /// would name another route (`GET /v1/payments/` is the list, `POST /v1/payments//cancel` the
    /// path of a payment called `cancel`), whose answer is not this operation's.
    static func checkPaymentID(_ paymentID: String) throws(TenderClientError) {
        guard paymentID.isEmpty else { return }
        throw TenderClientError(status: 422, code: "invalid_identifier", message: "payment_id: must be 1 to 128 printable ASCII characters")
    }

    /// `HTTP 409 idempotency_conflict: …`.
    public var description: String { "HTTP \(status) \(code): \(message)" }
}

/// A declared error answer, carrying the error object.
protocol Refusal {
    var errorBody: Components.Schemas.ErrorBody? { get }
}

extension Components.Responses.BadRequest: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.Unauthorized: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.NotFound: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.Conflict: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.TooLarge: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.UnsupportedMediaType: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.Unprocessable: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
extension Components.Responses.Unavailable: Refusal {
    var errorBody: Components.Schemas.ErrorBody? { try? body.json }
}
