import Foundation
import Tender
import Testing

@Suite("Money")
struct MoneyTests {
    @Test("accepts positive amounts up to the maximum", arguments: [Int64(1), 1000, Money.maximumMinorUnits])
    func acceptsPositive(minorUnits: Int64) throws {
        let money = try Money(minorUnits: minorUnits, currency: .pln)
        #expect(money.minorUnits == minorUnits)
        #expect(money.currency == .pln)
    }

    @Test(
        "refuses zero, negative and too large amounts",
        arguments: [Int64(0), -1, -1000, Money.maximumMinorUnits + 1, .max, .min]
    )
    func refusesOthers(minorUnits: Int64) {
        let error = #expect(throws: ValidationError.self) { try Money(minorUnits: minorUnits, currency: .pln) }
        #expect(error?.code == .invalidAmount)
        #expect(error?.field == "amount")
    }

    @Test(
        "prints major units with the currency",
        arguments: [
            (Int64(1000), "10.00 PLN"), (1, "0.01 PLN"), (1234, "12.34 PLN"), (99_999_999, "999999.99 PLN"),
        ])
    func description(minorUnits: Int64, expected: String) throws {
        #expect(try Money(minorUnits: minorUnits, currency: .pln).description == expected)
    }

    @Test("decoding validates the amount")
    func decodingValidates() throws {
        let valid = try JSONDecoder().decode(Money.self, from: Data(#"{"amount": 250, "currency": "pln"}"#.utf8))
        #expect(valid == (try Money(minorUnits: 250, currency: .pln)))
        #expect(throws: ValidationError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"amount": 0, "currency": "PLN"}"#.utf8))
        }
        #expect(throws: ValidationError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"amount": 100, "currency": "XXX"}"#.utf8))
        }
    }
}
