import Crypto

/// Signs webhook deliveries as the gateway does: `Sec-Signature` is the lower-case hex
/// HMAC-SHA-256 over the `Sec-Timestamp` string followed by the raw body, keyed with the raw
/// 32-byte SHA-256 digest of the secret API key.
struct WebhookSigner: Sendable {
    private let key: SymmetricKey

    init(secretKey: String) {
        self.key = SymmetricKey(data: SHA256.hash(data: Array(secretKey.utf8)))
    }

    /// The signature of `body` sent at `timestamp` (Unix seconds).
    func signature(timestamp: Int, body: [UInt8]) -> String {
        var authenticator = HMAC<SHA256>(key: self.key)
        authenticator.update(data: Array(String(timestamp).utf8))
        authenticator.update(data: body)
        return authenticator.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
