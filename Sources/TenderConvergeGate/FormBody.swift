import Crypto

/// An `application/x-www-form-urlencoded` request body, built field by field.
///
/// Names and values are percent-encoded except for RFC 3986's unreserved characters, so `&`, `=`,
/// `+`, spaces and non-ASCII text arrive intact. Metadata follows the `metadata[key]=value`
/// convention, with the key encoded inside the literal brackets.
struct FormBody: Sendable {
    /// The fields in the order they were added.
    private(set) var fields: [(name: String, value: String)] = []

    /// The media type of the encoded body.
    static let contentType = "application/x-www-form-urlencoded"

    /// Adds a field.
    mutating func append(_ name: String, _ value: String) {
        fields.append((Self.percentEncoded(name), Self.percentEncoded(value)))
    }

    /// Adds a field when `value` is present.
    mutating func append(_ name: String, _ value: String?) {
        if let value { append(name, value) }
    }

    /// Adds `metadata[key]=value` for every entry, sorted by key so equal requests encode equally.
    mutating func appendMetadata(_ metadata: [String: String]) {
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            fields.append(("metadata[" + Self.percentEncoded(key) + "]", Self.percentEncoded(value)))
        }
    }

    /// The encoded body.
    var encoded: String {
        fields.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// The first 16 hex digits of the encoded body's SHA-256: equal bodies, equal digests. Never
    /// taken of a body holding a secret, which so few digits would not hide.
    var digest: String {
        Hex.lowerCase(SHA256.hash(data: Array(encoded.utf8)).prefix(8))
    }

    /// Percent-encodes every byte of the UTF-8 text except the unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + Hex.upperCaseDigits[Int(byte >> 4)] + Hex.upperCaseDigits[Int(byte & 0x0F)]
            }
        }
        return result
    }

    /// `ALPHA / DIGIT / "-" / "." / "_" / "~"`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
