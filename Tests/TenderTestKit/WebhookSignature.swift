import Crypto

/// Signs a webhook body as ConvergeGate does: hex HMAC-SHA-256 over the timestamp and the body,
/// keyed with the SHA-256 of the secret key.
public func webhookSignature(secretKey: String, timestamp: String, body: [UInt8]) -> String {
    var authenticator = HMAC<SHA256>(key: SymmetricKey(data: SHA256.hash(data: Array(secretKey.utf8))))
    authenticator.update(data: Array(timestamp.utf8))
    authenticator.update(data: body)
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    for byte in authenticator.finalize() {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
}
