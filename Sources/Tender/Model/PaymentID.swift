/// The order system's id for a payment: one order, one amount.
public struct PaymentID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The longest id Tender accepts.
    public static let maximumLength = 128

    /// The id as the order system sent it.
    public let rawValue: String

    /// Wraps an id without checking it; use ``init(validating:)`` for input from outside.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Checks that an id from outside is non-empty, printable ASCII and not too long.
    /// - Throws: ``ValidationError`` (``ValidationError/Code/invalidIdentifier``).
    public init(validating text: String) throws(ValidationError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ValidationError(.invalidIdentifier, field: "payment_id", "must be 1 to \(Self.maximumLength) printable ASCII characters")
        }
        self.rawValue = text
    }

    /// The id.
    public var description: String { rawValue }
}
