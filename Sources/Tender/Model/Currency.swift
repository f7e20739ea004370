/// An ISO-4217 currency with its minor-unit exponent.
public struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The upper-case three-letter code, e.g. `PLN`.
    public let code: String
    /// How many minor units make one major unit, as a power of ten (2 for PLN).
    public let minorUnitExponent: Int

    /// Polish złoty, the currency of BLIK.
    public static let pln = Currency(code: "PLN", minorUnitExponent: 2)
    /// Euro.
    public static let eur = Currency(code: "EUR", minorUnitExponent: 2)
    /// US dollar.
    public static let usd = Currency(code: "USD", minorUnitExponent: 2)
    /// Czech koruna.
    public static let czk = Currency(code: "CZK", minorUnitExponent: 2)
    /// Hungarian forint.
    public static let huf = Currency(code: "HUF", minorUnitExponent: 2)

    /// The currencies Tender knows.
    public static let known: [String: Currency] = Dictionary(
        uniqueKeysWithValues: [pln, eur, usd, czk, huf].map { ($0.code, $0) }
    )

    private init(code: String, minorUnitExponent: Int) {
        self.code = code
        self.minorUnitExponent = minorUnitExponent
    }

    /// Looks up a currency by its code, in any case.
    /// - Throws: ``ValidationError`` (``ValidationError/Code/unknownCurrency``) for an unknown code.
    public init(code: String) throws(ValidationError) {
        guard let known = Self.known[code.uppercased()] else {
            throw ValidationError(.unknownCurrency, field: "currency", "not a supported ISO-4217 currency code")
        }
        self = known
    }

    /// The code, e.g. `PLN`.
    public var description: String { code }

    /// Decodes the code and checks it is known.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(code: text)
    }

    /// Encodes the code.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
