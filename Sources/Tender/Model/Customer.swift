/// The payer, as the gateway needs them on a checkout session.
public struct Customer: Sendable, Hashable, Codable {
    /// The longest name or e-mail Tender accepts.
    public static let maximumFieldLength = 200

    /// The payer's e-mail address.
    public let email: String
    /// The payer's first name.
    public let firstName: String
    /// The payer's last name.
    public let lastName: String

    /// Creates a customer after checking that every field is present, of sane length and free of
    /// control characters (none belongs in a name or an address, and PostgreSQL cannot store NUL).
    /// - Throws: ``ValidationError`` (``ValidationError/Code/invalidCustomer``).
    public init(email: String, firstName: String, lastName: String) throws(ValidationError) {
        for (field, value) in [("customer.email", email), ("customer.first_name", firstName), ("customer.last_name", lastName)] {
            guard !value.isEmpty, value.count <= Self.maximumFieldLength else {
                throw ValidationError(.invalidCustomer, field: field, "must be 1 to \(Self.maximumFieldLength) characters")
            }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ValidationError(.invalidCustomer, field: field, "must not contain control characters")
            }
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else {
            throw ValidationError(.invalidCustomer, field: "customer.email", "must be an e-mail address")
        }
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
    }

    private enum CodingKeys: String, CodingKey {
        case email
        case firstName = "first_name"
        case lastName = "last_name"
    }

    /// Decodes and validates a customer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            email: container.decode(String.self, forKey: .email),
            firstName: container.decode(String.self, forKey: .firstName),
            lastName: container.decode(String.self, forKey: .lastName)
        )
    }
}
