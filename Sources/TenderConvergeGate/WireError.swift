/// The body of a non-2xx answer: `{"error": {"type", "message", "param", "decline_code", "charge_id"}}`.
struct WireError: Decodable {
    struct Detail: Decodable {
        let type: String?
        let message: String?
        let param: String?
        let declineCode: String?

        private enum CodingKeys: String, CodingKey {
            case type, message, param
            case declineCode = "decline_code"
        }
    }

    let error: Detail
}
