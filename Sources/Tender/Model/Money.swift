/// An amount in a currency's minor units (1000 PLN minor units = 10.00 PLN).
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The largest amount Tender accepts, in minor units.
    public static let maximumMinorUnits: Int64 = 99_999_999

    /// The amount in minor units; always positive.
    public let minorUnits: Int64
    /// The currency.
    public let currency: Currency

    /// Creates a positive amount.
    /// - Throws: ``ValidationError`` (``ValidationError/Code/invalidAmount``) for zero, negative or
    ///   excessive amounts.
    public init(minorUnits: Int64, currency: Currency) throws(ValidationError) {
        guard minorUnits > 0, minorUnits <= Self.maximumMinorUnits else {
            throw ValidationError(.invalidAmount, field: "amount", "must be a positive number of minor units up to \(Self.maximumMinorUnits)")
        }
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// E.g. `10.00 PLN`.
    public var description: String {
        let scale = (0..<currency.minorUnitExponent).reduce(Int64(1)) { value, _ in value * 10 }
        let fraction = String(minorUnits % scale)
        let padded = String(repeating: "0", count: currency.minorUnitExponent - fraction.count) + fraction
        return currency.minorUnitExponent == 0 ? "\(minorUnits) \(currency)" : "\(minorUnits / scale).\(padded) \(currency)"
    }

    private enum CodingKeys: String, CodingKey {
        case minorUnits = "amount"
        case currency
    }

    /// Decodes and validates an amount.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            minorUnits: container.decode(Int64.self, forKey: .minorUnits),
            currency: container.decode(Currency.self, forKey: .currency)
        )
    }
}
