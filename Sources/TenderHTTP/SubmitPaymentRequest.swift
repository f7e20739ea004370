import Tender

/// The body of `POST /v1/payments`, as sent; ``validated()`` turns it into domain values.
struct SubmitPaymentRequest: Decodable, Sendable {
    struct CustomerFields: Decodable, Sendable {
        var email: String
        var firstName: String
        var lastName: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case email
            case firstName = "first_name"
            case lastName = "last_name"
        }

        init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.email = try container.decode(String.self, forKey: .email)
            self.firstName = try container.decode(String.self, forKey: .firstName)
            self.lastName = try container.decode(String.self, forKey: .lastName)
        }
    }

    var paymentID: String
    var amount: Int64
    var currency: String
    /// The payer's code as sent; wrapped in ``BLIKCode`` at once and never logged.
    var blikCode: String
    var customer: CustomerFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case paymentID = "payment_id"
        case amount
        case currency
        case blikCode = "blik_code"
        case customer
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.paymentID = try container.decode(String.self, forKey: .paymentID)
        self.amount = try container.decode(Int64.self, forKey: .amount)
        self.currency = try container.decode(String.self, forKey: .currency)
        self.blikCode = try container.decode(String.self, forKey: .blikCode)
        self.customer = try container.decode(CustomerFields.self, forKey: .customer)
    }

    /// The domain values, in field order.
    struct Validated: Sendable {
        var paymentID: PaymentID
        var amount: Money
        var customer: Customer
        var code: BLIKCode
    }

    /// Validates every field through the domain types.
    /// - Throws: ``ValidationError`` naming the first refused field.
    func validated() throws(ValidationError) -> Validated {
        Validated(
            paymentID: try PaymentID(validating: paymentID),
            amount: try Money(minorUnits: amount, currency: Currency(code: currency)),
            customer: try Customer(email: customer.email, firstName: customer.firstName, lastName: customer.lastName),
            code: try BLIKCode(blikCode)
        )
    }
}
