/// The payer's one-time six-digit BLIK code.
///
/// A code is a secret with a two-minute life. Its digits are readable only through ``revealed`` —
/// for the one request that hands it to the gateway. Printing, logging, interpolating, reflecting or
/// encoding a code yields ``redacted`` instead.
public struct BLIKCode: Sendable, Hashable {
    /// What a code shows wherever it is printed, logged or encoded.
    public static let redacted = "[BLIK code redacted]"

    /// The six digits; internal so that only the gateway adapter reaches them deliberately.
    private let digits: String

    /// Validates and wraps a code.
    /// - Throws: ``ValidationError`` with code ``ValidationError/Code/invalidBLIKCode`` unless the text
    ///   is exactly six ASCII digits.
    public init(_ text: String) throws(ValidationError) {
        guard text.utf8.count == 6, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw ValidationError(.invalidBLIKCode, field: "blik_code", "a BLIK code is exactly six digits")
        }
        self.digits = text
    }

    /// The digits, for the single gateway request that needs them. Never log the result.
    public var revealed: String { digits }
}

extension BLIKCode: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always ``redacted``.
    public var description: String { Self.redacted }
    /// Always ``redacted``.
    public var debugDescription: String { Self.redacted }
    /// A mirror with no children, so `dump` shows nothing secret.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension BLIKCode: Encodable {
    /// Encodes ``redacted``: a code never leaves the process through an encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.redacted)
    }
}
