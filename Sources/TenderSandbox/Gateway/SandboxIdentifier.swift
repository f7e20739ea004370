/// Identifiers in the gateway's style: 22 characters of URL-safe base64, always drawn from the
/// system generator so that separate runs never repeat one.
enum SandboxIdentifier {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// A session id such as `AW-kLcRRC5P8U68CYe0kVA`.
    static func session() -> String {
        Self.random(count: 22)
    }

    /// A refund id.
    static func refund() -> String {
        Self.random(count: 19)
    }

    /// A webhook event id.
    static func event() -> String {
        "evt_" + Self.random(count: 22)
    }

    private static func random(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)] })
    }
}
