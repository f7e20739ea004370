/// Input that Tender refuses before anything is stored or sent.
///
/// The message names the field and the rule, never the offending value, so that secrets such as a
/// BLIK code cannot leak through an error.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of input was refused.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidBLIKCode, invalidAmount, unknownCurrency, invalidCustomer, invalidIdentifier
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The BLIK code is not six digits.
        public static let invalidBLIKCode = Code(.invalidBLIKCode)
        /// The amount is zero, negative or too large.
        public static let invalidAmount = Code(.invalidAmount)
        /// The currency is not a known ISO-4217 code, or not one the gateway takes.
        public static let unknownCurrency = Code(.unknownCurrency)
        /// A customer field is missing or malformed.
        public static let invalidCustomer = Code(.invalidCustomer)
        /// A payment id or idempotency key is empty or too long.
        public static let invalidIdentifier = Code(.invalidIdentifier)

        /// The code's snake_case name, as the JSON API reports it.
        public var description: String {
            switch base {
            case .invalidBLIKCode: "invalid_blik_code"
            case .invalidAmount: "invalid_amount"
            case .unknownCurrency: "unknown_currency"
            case .invalidCustomer: "invalid_customer"
            case .invalidIdentifier: "invalid_identifier"
            }
        }
    }

    /// What kind of input was refused.
    public let code: Code
    /// The name of the refused field, as the JSON API spells it.
    public let field: String
    /// The rule that was broken, without the value.
    public let message: String

    /// Creates an error for `field`.
    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// The field and the rule, never the value.
    public var description: String { "\(field): \(message)" }
}
