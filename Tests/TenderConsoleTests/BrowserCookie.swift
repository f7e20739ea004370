/// A cookie as the browser stores it.
public struct BrowserCookie: Sendable, Equatable, Decodable {
    /// The cookie's name.
    public let name: String
    /// The cookie's value.
    public let value: String
    /// Whether the cookie is hidden from JavaScript.
    public let httpOnly: Bool
    /// `Strict`, `Lax` or `None`; `nil` when the cookie did not set it.
    public let sameSite: String?
}
