import Crypto

/// The operator token the console's login form asks for (`TENDER_CONSOLE_TOKEN`).
///
/// Only values derived from the token are kept: its SHA-256 digest, compared with a presented
/// token in constant time, and the key that signs sessions, so a session cookie is worth nothing
/// once the token changes. Printing, interpolating or reflecting a token yields ``redacted``.
public struct ConsoleToken: Sendable {
    /// What a token shows wherever it is printed.
    public static let redacted = "[console token redacted]"

    private let digest: SHA256Digest
    /// The key that signs session cookies and CSRF tokens.
    let signingKey: SymmetricKey

    /// Wraps a token.
    public init(_ token: String) {
        let secret = SymmetricKey(data: Array(token.utf8))
        self.digest = SHA256.hash(data: Array(token.utf8))
        self.signingKey = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array("tender-console-session".utf8), using: secret))
    }

    /// Whether `candidate` is the token. Takes the same time whichever byte differs (swift-crypto
    /// compares digests in constant time).
    public func matches(_ candidate: String) -> Bool {
        SHA256.hash(data: Array(candidate.utf8)) == digest
    }
}

extension ConsoleToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always ``redacted``.
    public var description: String { Self.redacted }
    /// Always ``redacted``.
    public var debugDescription: String { Self.redacted }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
