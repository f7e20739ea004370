import Crypto

/// A keyed hash (HMAC-SHA-256) of a BLIK code, kept to tell a replayed submission from one that
/// reuses its idempotency key with another code. Without the key the hash says nothing: a code
/// has only a million values, so an unkeyed hash would give it away.
public struct CodeDigest: Sendable, Hashable {
    /// The hash in lower-case hexadecimal.
    public let hex: String

    /// Hashes `code` under `key`.
    public init(of code: BLIKCode, key: SymmetricKey) {
        self.init(of: code, with: Digester(key: key))
    }

    /// Hashes `code` with `digester`.
    init(of code: BLIKCode, with digester: Digester) {
        var mac = digester.keyed
        mac.update(data: Array(code.revealed.utf8))
        var text: [UInt8] = []
        text.reserveCapacity(2 * SHA256.byteCount)
        for byte in mac.finalize() {
            text.append(lowercaseHexDigits[Int(byte >> 4)])
            text.append(lowercaseHexDigits[Int(byte & 0x0F)])
        }
        hex = String(decoding: text, as: UTF8.self)
    }

    /// An HMAC that has taken its key and nothing else. Hashing the key is most of a digest's
    /// cost; each digest starts from a copy of this one.
    struct Digester: Sendable {
        let keyed: HMAC<SHA256>

        init(key: SymmetricKey) {
            keyed = HMAC(key: key)
        }
    }
}
