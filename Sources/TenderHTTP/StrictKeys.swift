/// Refuses JSON objects with fields the API does not define.
///
/// The JSON API refuses unknown fields (400 `unknown_field`) rather than ignoring them, so that a
/// misspelt field is reported instead of silently dropped.
struct StrictKeys: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// Throws 400 `unknown_field` when the object at `decoder` has a key outside `known`.
    static func check(_ decoder: any Decoder, known: Set<String>) throws {
        let container = try decoder.container(keyedBy: StrictKeys.self)
        if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
            let prefix = decoder.codingPath.map(\.stringValue).joined(separator: ".")
            let name = Self.printable(unknown.stringValue)
            throw APIError(.badRequest, code: "unknown_field", message: "unknown field \(prefix.isEmpty ? name : "\(prefix).\(name)")")
        }
    }

    /// The field name if it is short printable ASCII, else a placeholder, so that nothing odd is echoed.
    private static func printable(_ name: String) -> String {
        name.utf8.count <= 64 && name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") })
            ? "'\(name)'" : "(an unprintable or long name)"
    }
}
