import Foundation
import Tender
import Testing

@Suite("Customer")
struct CustomerTests {
    @Test("accepts a complete customer")
    func acceptsComplete() throws {
        let customer = try Customer(email: "ala@example.pl", firstName: "Ala", lastName: "Nowak")
        #expect(customer.email == "ala@example.pl")
        #expect(customer.firstName == "Ala")
        #expect(customer.lastName == "Nowak")
    }

    @Test("accepts fields of the maximum length")
    func acceptsMaximumLength() throws {
        let name = String(repeating: "a", count: Customer.maximumFieldBytes)
        let email = String(repeating: "b", count: Customer.maximumFieldBytes - "@example.com".count) + "@example.com"
        #expect(throws: Never.self) { try Customer(email: email, firstName: name, lastName: name) }
    }

    @Test(
        "refuses missing, overlong or malformed fields",
        arguments: [
            ("", "Ala", "Nowak", "customer.email"),
            ("ala@example.pl", "", "Nowak", "customer.first_name"),
            ("ala@example.pl", "Ala", "", "customer.last_name"),
            ("ala@example.pl", String(repeating: "a", count: Customer.maximumFieldBytes + 1), "Nowak", "customer.first_name"),
            ("ala@example.pl", "Ala", String(repeating: "n", count: Customer.maximumFieldBytes + 1), "customer.last_name"),
            ("ala.example.pl", "Ala", "Nowak", "customer.email"),
            ("@example.pl", "Ala", "Nowak", "customer.email"),
            ("ala@localhost", "Ala", "Nowak", "customer.email"),
            ("ala@b@example.pl", "Ala", "Nowak", "customer.email"),
            // 101 two-byte letters: 101 characters, but 202 bytes.
            ("ala@example.pl", String(repeating: "ż", count: Customer.maximumFieldBytes / 2 + 1), "Nowak", "customer.first_name"),
            // A right-to-left override, and a zero-width space: invisible format characters.
            ("ala@example.pl", "Ala\u{202E}kawoN", "Nowak", "customer.first_name"),
            ("ala@example.pl", "Ala", "No\u{200B}wak", "customer.last_name"),
        ]
    )
    func refusesInvalid(email: String, firstName: String, lastName: String, field: String) {
        let error = #expect(throws: ValidationError.self) {
            try Customer(email: email, firstName: firstName, lastName: lastName)
        }
        #expect(error?.code == .invalidCustomer)
        #expect(error?.field == field)
    }

    @Test("accepts letters of any script up to the byte limit")
    func acceptsNonLatinLetters() throws {
        let name = String(repeating: "ż", count: Customer.maximumFieldBytes / 2)
        #expect(try Customer(email: "żaneta@example.pl", firstName: name, lastName: "Źdźbło").firstName == name)
    }

    @Test("decodes snake_case and validates")
    func decoding() throws {
        let json = #"{"email": "ala@example.pl", "first_name": "Ala", "last_name": "Nowak"}"#
        let customer = try JSONDecoder().decode(Customer.self, from: Data(json.utf8))
        #expect(customer == (try Customer(email: "ala@example.pl", firstName: "Ala", lastName: "Nowak")))
        let invalid = #"{"email": "nobody", "first_name": "Ala", "last_name": "Nowak"}"#
        #expect(throws: ValidationError.self) { try JSONDecoder().decode(Customer.self, from: Data(invalid.utf8)) }
    }
}
