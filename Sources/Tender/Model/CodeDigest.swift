import Crypto

/// A keyed hash (HMAC-SHA-256) of a BLIK code, kept to tell a replayed submission from one that
/// reuses its idempotency key with another code. Without the key the hash says nothing: a code
/// has only a million values, so an unkeyed hash would give it away.
public struct CodeDigest: Sendable, Hashable {
    /// The hash in lower-case hexadecimal.
    public let hex: String

    /// Hashes `code` under `key`.
    public init(of code: BLIKCode, key: SymmetricKey) {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(code.revealed.utf8), using: key)
        var text: [UInt8] = []
        text.reserveCapacity(2 * SHA256.byteCount)
        for byte in mac {
            text.append(Self.digits[Int(byte >> 4)])
            text.append(Self.digits[Int(byte & 0x0F)])
        }
        hex = String(decoding: text, as: UTF8.self)
    }

    private static let digits = Array("0123456789abcdef".utf8)
}
