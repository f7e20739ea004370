import Tender
import Testing

@Suite("Payment id")
struct PaymentIDTests {
    @Test(
        "accepts printable ASCII up to the maximum length",
        arguments: ["order-1", "A", "ORD_2024/11/05#77", String(repeating: "x", count: PaymentID.maximumLength)]
    )
    func acceptsPrintable(text: String) throws {
        let id = try PaymentID(validating: text)
        #expect(id.rawValue == text)
        #expect(id.description == text)
    }

    @Test(
        "refuses empty, overlong, blank or non-ASCII ids",
        arguments: [
            "", String(repeating: "x", count: PaymentID.maximumLength + 1), "order 1", " order", "order\t1",
            "order\n", "zamówienie", "order\u{7F}", "\u{0}",
        ]
    )
    func refusesOthers(text: String) {
        let error = #expect(throws: ValidationError.self) { try PaymentID(validating: text) }
        #expect(error?.code == .invalidIdentifier)
        #expect(error?.field == "payment_id")
    }
}
