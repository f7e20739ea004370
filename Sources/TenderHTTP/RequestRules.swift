import Tender
import TenderOpenAPI

/// The rules the API enforces beyond what the generated types decode, each refused with the code
/// docs/openapi.yaml names for it.
enum RequestRules {
    /// The longest `Idempotency-Key` accepted.
    static let maximumIdempotencyKeyLength = 255
    /// The longest consumer name.
    static let maximumConsumerLength = 128
    /// The most payments in one page of the list.
    static let maximumPageSize = 200
    /// The most events in one answer.
    static let maximumEventLimit = 500
    /// The longest a long poll waits, in seconds.
    static let maximumWait = 30

    /// The `Idempotency-Key` header.
    /// - Throws: 400 `invalid_idempotency_key` when it is empty, too long or not printable ASCII.
    static func idempotencyKey(_ key: String) throws(APIError) -> String {
        guard isPrintableASCII(key, upTo: maximumIdempotencyKeyLength) else {
            throw APIError(
                .badRequest, code: "invalid_idempotency_key",
                message: "the Idempotency-Key header must be 1 to \(maximumIdempotencyKeyLength) printable ASCII characters"
            )
        }
        return key
    }

    /// The `payment_id` path parameter.
    /// - Throws: 422 for an id the domain refuses.
    static func paymentID(_ raw: String) throws(APIError) -> PaymentID {
        do {
            return try PaymentID(validating: raw)
        } catch {
            throw APIError(error)
        }
    }

    /// An event consumer's name.
    /// - Throws: 422 `invalid_consumer`.
    static func consumer(_ name: String) throws(APIError) -> String {
        guard isPrintableASCII(name, upTo: maximumConsumerLength) else {
            throw APIError(
                .unprocessableContent, code: "invalid_consumer", message: "consumer must be 1 to \(maximumConsumerLength) printable ASCII characters"
            )
        }
        return name
    }

    /// A query parameter's integer, `value` when absent.
    /// - Throws: 400 `invalid_query` outside `range`.
    static func integer<Number: BinaryInteger>(_ number: Number?, _ name: String, default value: Number, in range: ClosedRange<Number>)
        throws(APIError) -> Number
    {
        let number = number ?? value
        guard range.contains(number) else {
            throw APIError.invalidQuery("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Whether `text` is 1 to `limit` printable ASCII characters (0x21–0x7E).
    private static func isPrintableASCII(_ text: String, upTo limit: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= limit && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

extension Components.Schemas.SubmitPayment {
    /// The domain values of a submission, in field order.
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
            paymentID: try PaymentID(validating: paymentId),
            amount: try Money(minorUnits: amount, currency: Currency(code: currency)),
            customer: try Customer(email: customer.email, firstName: customer.firstName, lastName: customer.lastName),
            code: try BLIKCode(blikCode)
        )
    }
}
