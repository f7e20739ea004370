import Crypto
import Foundation

/// An operator's signed-in session, carried in an HttpOnly, SameSite=Strict cookie and signed with
/// a key derived from the console token: `v1.<expiry>.<operator, base64url>.<HMAC, base64url>`.
/// Every form carries a CSRF token derived from the cookie, so a page of another site can neither
/// read nor forge one.
struct ConsoleSession: Sendable, Hashable {
    /// The cookie's name.
    static let cookieName = "tender_console"
    /// How long a session lasts.
    static let lifetime: TimeInterval = 12 * 3600

    /// Who signed in.
    var operatorName: String
    /// When the session ends.
    var expiresAt: Date
    /// The cookie's value.
    var cookie: String
    /// The MAC of the cookie that every form of this session carries.
    private var csrfCode: HashedAuthenticationCode<SHA256>

    /// The token every form of this session carries.
    var csrfToken: String { Base64URL.encode(Array(csrfCode)) }

    /// A new session for `operatorName`, signed with `key`.
    init(operatorName: String, now: Date, key: SymmetricKey) {
        let expiry = Int64((now.timeIntervalSince1970 + Self.lifetime).rounded(.down))
        let payload = "v1.\(expiry).\(Base64URL.encode(Array(operatorName.utf8)))"
        let signature = Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: key)))
        self.init(operatorName: operatorName, expiry: expiry, cookie: payload + "." + signature, key: key)
    }

    private init(operatorName: String, expiry: Int64, cookie: String, key: SymmetricKey) {
        self.operatorName = operatorName
        self.expiresAt = Date(timeIntervalSince1970: TimeInterval(expiry))
        self.cookie = cookie
        self.csrfCode = HMAC<SHA256>.authenticationCode(for: Array("csrf.\(cookie)".utf8), using: key)
    }

    /// The session a cookie carries, or `nil` when it is malformed, forged or expired.
    init?(cookie: String, now: Date, key: SymmetricKey) {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let expiry = Int64(parts[1]),
            let name = Base64URL.decode(String(parts[2])).flatMap({ String(bytes: $0, encoding: .utf8) }),
            let presented = Base64URL.decode(String(parts[3]))
        else { return nil }
        let payload = parts[0...2].joined(separator: ".")
        guard HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: Array(payload.utf8), using: key),
            TimeInterval(expiry) > now.timeIntervalSince1970
        else { return nil }
        self.init(operatorName: name, expiry: expiry, cookie: cookie, key: key)
    }

    /// Whether `candidate` is this session's CSRF token (swift-crypto compares MACs in constant
    /// time).
    func acceptsCSRFToken(_ candidate: String) -> Bool {
        Base64URL.decode(candidate).map { csrfCode == $0 } ?? false
    }
}

/// Base64 with the URL- and cookie-safe alphabet and no padding.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes `text` encodes, only when `text` is their one encoding. Foundation's decoder
    /// ignores the unused low bits of the last character, so without the check several texts
    /// (a token with its last character changed, say) would decode to the same bytes.
    static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init).flatMap { encode($0) == text ? $0 : nil }
    }
}
