import Crypto

/// The bearer token the order system presents on every `/v1` route.
///
/// Only the token's SHA-256 digest is kept, and a presented token is compared with it in constant
/// time, so neither the comparison's timing nor a memory dump reveals the token. Printing,
/// interpolating or reflecting a token yields ``redacted``.
public struct APIToken: Sendable {
    /// What a token shows wherever it is printed.
    public static let redacted = "[API token redacted]"

    private let digest: SHA256Digest

    /// Wraps a token.
    public init(_ token: String) {
        self.digest = SHA256.hash(data: Array(token.utf8))
    }

    /// Whether `candidate` is the token. Takes the same time whichever byte differs (swift-crypto
    /// compares digests in constant time).
    public func matches(_ candidate: String) -> Bool {
        SHA256.hash(data: Array(candidate.utf8)) == digest
    }
}

extension APIToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always ``redacted``.
    public var description: String { Self.redacted }
    /// Always ``redacted``.
    public var debugDescription: String { Self.redacted }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
