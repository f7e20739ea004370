import Foundation
import Tender
import Testing

@Suite("Currency")
struct CurrencyTests {
    @Test("looks codes up in any case", arguments: ["PLN", "pln", "Pln", "pLn"])
    func caseInsensitive(code: String) throws {
        #expect(try Currency(code: code) == .pln)
        #expect(try Currency(code: code).code == "PLN")
    }

    @Test("knows every listed currency", arguments: ["PLN", "EUR", "USD", "CZK", "HUF"])
    func knowsListed(code: String) throws {
        let currency = try Currency(code: code)
        #expect(currency.code == code)
        #expect(currency.description == code)
        #expect(currency.minorUnitExponent == 2)
    }

    @Test("refuses unknown codes", arguments: ["", "XXX", "PL", "PLNN", "zł", "GBP", " PLN"])
    func refusesUnknown(code: String) {
        let error = #expect(throws: ValidationError.self) { try Currency(code: code) }
        #expect(error?.code == .unknownCurrency)
        #expect(error?.field == "currency")
    }

    @Test("encodes and decodes as its code")
    func codable() throws {
        let json = try JSONEncoder().encode(Currency.eur)
        #expect(String(decoding: json, as: UTF8.self) == "\"EUR\"")
        #expect(try JSONDecoder().decode(Currency.self, from: Data("\"eur\"".utf8)) == .eur)
        #expect(throws: ValidationError.self) { try JSONDecoder().decode(Currency.self, from: Data("\"ABC\"".utf8)) }
    }
}
