/// The gateway endpoints the sandbox serves, used to configure per-endpoint chaos and to count
/// requests in the ``SandboxLedger``.
public enum SandboxEndpoint: String, Sendable, Hashable, CaseIterable, Codable, CodingKeyRepresentable {
    /// `POST /v1/checkout/sessions`.
    case create
    /// `GET /v1/checkout/sessions/{id}`.
    case retrieve
    /// `GET` or `POST /v1/checkout/sessions/{id}/pay`.
    case pay
    /// `POST /v1/refunds`.
    case refund
    /// `GET /v1/refunds/{id}`.
    case retrieveRefund
}
