import Crypto
import Foundation
import Tender

/// Tells a genuine ConvergeGate webhook from a forged or replayed one.
///
/// The gateway signs each event with HMAC-SHA-256 over the `Sec-Timestamp` header's text
/// immediately followed by the raw body, keyed with the SHA-256 digest of the secret API key. The
/// documentation leaves open whether the key is the raw 32-byte digest or its lower-case hex text,
/// so a signature made with either is accepted; the signature is hex in either case. Checks run
/// cheapest first: the body size (before any hashing), the headers, the timestamp's freshness, the
/// signature (compared in constant time), and last the event's shape.
public struct ConvergeGateWebhookVerifier: Sendable {
    /// The header carrying the Unix time (seconds) the event was signed at.
    public static let timestampHeader = "Sec-Timestamp"
    /// The header carrying the hex HMAC.
    public static let signatureHeader = "Sec-Signature"

    /// How far the timestamp may be from now, in either direction.
    public let tolerance: Duration
    /// The largest body accepted, in bytes.
    public let maximumBodySize: Int

    /// The raw 32-byte digest of the secret key, as an HMAC key.
    private let digestKey: SymmetricKey
    /// The digest's lower-case hex text, as an HMAC key.
    private let hexDigestKey: SymmetricKey

    /// Creates a verifier for the account, tolerance and body limit of `configuration`.
    public init(configuration: ConvergeGateConfiguration) {
        let digest = SHA256.hash(data: Array(configuration.secretKey.value.utf8))
        self.digestKey = SymmetricKey(data: Array(digest))
        self.hexDigestKey = SymmetricKey(data: Array(Hex.lowerCase(digest).utf8))
        self.tolerance = configuration.webhookTolerance
        self.maximumBodySize = configuration.maximumWebhookBodySize
    }

    /// Verifies a webhook and decodes it into a hint.
    /// - Parameters:
    ///   - headers: the request's headers; names compare case-insensitively.
    ///   - body: the raw body exactly as received.
    ///   - now: the time to judge the timestamp against.
    /// - Throws: ``WebhookRejection`` saying what was wrong.
    public func verify(headers: [(name: String, value: String)], body: [UInt8], now: Date) throws(WebhookRejection) -> WebhookHint {
        guard body.count <= maximumBodySize else {
            throw .bodyTooLarge(limit: maximumBodySize)
        }
        guard let timestampText = Self.value(of: Self.timestampHeader, in: headers) else {
            throw .missingHeader(Self.timestampHeader)
        }
        guard let signatureText = Self.value(of: Self.signatureHeader, in: headers) else {
            throw .missingHeader(Self.signatureHeader)
        }
        guard let timestamp = Self.unixSeconds(timestampText) else {
            throw .malformedTimestamp
        }
        guard isFresh(timestamp, now: now) else {
            throw .staleTimestamp
        }
        guard let signature = Hex.bytes(signatureText), signature.count == SHA256.byteCount else {
            throw .badSignature
        }
        let signed = Array(timestampText.utf8) + body
        let validWithDigest = HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: digestKey)
        let validWithHexDigest = HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: hexDigestKey)
        guard validWithDigest || validWithHexDigest else {
            throw .badSignature
        }
        return try WebhookEvent.decode(body, signedAt: timestamp)
    }

    /// The value of the first header named `name` in any case, without surrounding whitespace.
    private static func value(of name: String, in headers: [(name: String, value: String)]) -> Substring? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }.map { $0.value.trimmingCharacters(in: .whitespaces)[...] }
    }

    /// Unix seconds written as 1 to 12 ASCII digits.
    private static func unixSeconds(_ text: Substring) -> Int64? {
        guard (1...12).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int64(text)
    }

    private func isFresh(_ timestamp: Int64, now: Date) -> Bool {
        let skew = abs(now.timeIntervalSince1970 - Double(timestamp))
        let (seconds, attoseconds) = tolerance.components
        return skew <= Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension ConvergeGateWebhookVerifier: CustomStringConvertible, CustomReflectable {
    /// The limits; the signing keys are never shown.
    public var description: String {
        "ConvergeGateWebhookVerifier(tolerance: \(tolerance), maximumBodySize: \(maximumBodySize))"
    }

    /// The limits only: the signing keys are derived from the secret key and as secret as it.
    public var customMirror: Mirror {
        Mirror(self, children: ["tolerance": tolerance, "maximumBodySize": maximumBodySize], displayStyle: .struct)
    }
}
