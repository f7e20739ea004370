import Crypto

/// The bearer token the order system presents on every `/v1` route.
///
/// Only the token's SHA-256 digest is kept, and a presented token is compared with it in constant
/// time, so neither the comparison's timing nor a memory dump reveals the token. Printing,
/// interpolating or reflecting a token yields ``redacted``.
public struct APIToken: Sendable {
    /// What a token shows wherever it is printed.
    public static let redacted = "[API token redacted]"

    private let digest: [UInt8]

    /// Wraps a token.
    public init(_ token: String) {
        self.digest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Whether `candidate` is the token. Takes the same time whichever byte differs.
    public func matches(_ candidate: String) -> Bool {
        let presented = Array(SHA256.hash(data: Array(candidate.utf8)))
        var difference: UInt8 = 0
        for index in digest.indices {
            difference |= digest[index] ^ presented[index]
        }
        return difference == 0
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
