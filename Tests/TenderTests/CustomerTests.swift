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
        let name = String(repeating: "a", count: Customer.maximumFieldLength)
        let email = String(repeating: "b", count: Customer.maximumFieldLength - "@example.com".count) + "@example.com"
        #expect(throws: Never.self) { try Customer(email: email, firstName: name, lastName: name) }
    }

    @Test(
        "refuses missing, overlong or malformed fields",
        arguments: [
            ("", "Ala", "Nowak", "customer.email"),
            ("ala@example.pl", "", "Nowak", "customer.first_name"),
            ("ala@example.pl", "Ala", "", "customer.last_name"),
            ("ala@example.pl", String(repeating: "a", count: Customer.maximumFieldLength + 1), "Nowak", "customer.first_name"),
            ("ala@example.pl", "Ala", String(repeating: "n", count: Customer.maximumFieldLength + 1), "customer.last_name"),
            ("ala.example.pl", "Ala", "Nowak", "customer.email"),
            ("@example.pl", "Ala", "Nowak", "customer.email"),
            ("ala@localhost", "Ala", "Nowak", "customer.email"),
            ("ala@b@example.pl", "Ala", "Nowak", "customer.email"),
        ]
    )
    func refusesInvalid(email: String, firstName: String, lastName: String, field: String) {
        let error = #expect(throws: ValidationError.self) {
            try Customer(email: email, firstName: firstName, lastName: lastName)
        }
        #expect(error?.code == .invalidCustomer)
        #expect(error?.field == field)
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
