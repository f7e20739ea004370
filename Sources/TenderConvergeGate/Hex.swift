/// Hexadecimal text for digests and signatures.
enum Hex {
    /// `0`–`9`, `A`–`F`.
    static let upperCaseDigits: [String] = (0..<16).map { String($0, radix: 16, uppercase: true) }

    /// The lower-case hex text of `bytes`.
    static func lowerCase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var result = ""
        for byte in bytes {
            result += String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }
        return result
    }

    /// The bytes of hex text in either case, or `nil` when it is not an even number of hex digits.
    static func bytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
