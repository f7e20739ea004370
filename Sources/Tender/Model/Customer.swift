/// The payer, as the gateway needs them on a checkout session.
public struct Customer: Sendable, Hashable, Codable {
    /// The longest name or e-mail Tender accepts, in bytes of UTF-8: what the database and the
    /// gateway store, whatever the script.
    public static let maximumFieldBytes = 200

    /// The payer's e-mail address.
    public let email: String
    /// The payer's first name.
    public let firstName: String
    /// The payer's last name.
    public let lastName: String

    /// Creates a customer after checking that every field is present, of sane length and free of
    /// control characters (none belongs in a name or an address, and PostgreSQL cannot store NUL)
    /// and of invisible format characters (bidirectional overrides could make a name read
    /// differently on an operator's screen than it is stored).
    /// - Throws: ``ValidationError`` (``ValidationError/Code/invalidCustomer``).
    public init(email: String, firstName: String, lastName: String) throws(ValidationError) {
        for (field, value) in [("customer.email", email), ("customer.first_name", firstName), ("customer.last_name", lastName)] {
            guard !value.isEmpty, value.utf8.count <= Self.maximumFieldBytes else {
                throw ValidationError(.invalidCustomer, field: field, "must be 1 to \(Self.maximumFieldBytes) bytes of UTF-8")
            }
            guard !value.unicodeScalars.contains(where: { [.control, .format].contains($0.properties.generalCategory) }) else {
                throw ValidationError(.invalidCustomer, field: field, "must not contain control or format characters")
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

    /// What stands in for a payer whose personal data was erased (``Retention/forgetCustomer(of:)``):
    /// an address in the reserved `.invalid` domain, which can reach nobody.
    public static let erased = Customer(stored: "erased@erased.invalid", firstName: "erased", lastName: "erased")

    /// Whether this is the stand-in for an erased payer.
    public var isErased: Bool { self == .erased }

    /// A customer read back from a store, which checked it when it was stored.
    package init(stored email: String, firstName: String, lastName: String) {
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
