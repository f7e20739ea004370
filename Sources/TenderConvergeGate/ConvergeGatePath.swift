import Tender

/// The API's paths, with gateway ids checked and percent-encoded into them.
enum ConvergeGatePath {
    /// `POST` creates a session.
    static let sessions = "/v1/checkout/sessions"
    /// `POST` creates a refund.
    static let refunds = "/v1/refunds"

    /// The path of one session.
    static func session(_ id: String) throws(GatewayError) -> String {
        try sessions + "/" + segment(id, naming: "session id")
    }

    /// The path that pays one session.
    static func pay(_ id: String) throws(GatewayError) -> String {
        try session(id) + "/pay"
    }

    /// An id as one path segment.
    ///
    /// An id that is empty, contains `/`, is `.` or `..`, or is absurdly long is refused before
    /// anything is sent: it could only address some other resource.
    static func segment(_ id: String, naming what: String) throws(GatewayError) -> String {
        guard !id.isEmpty, id.utf8.count <= 255, !id.contains("/"), id != ".", id != ".." else {
            throw GatewayError(kind: .requestRejected, message: "invalid \(what)")
        }
        return FormBody.percentEncoded(id)
    }
}
