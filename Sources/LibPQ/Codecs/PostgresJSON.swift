import Foundation

/// A `Codable` value stored as `jsonb` (or read from `json`).
public struct PostgresJSON<Value: Codable & Sendable>: Sendable, PostgresEncodable, PostgresDecodable {
    /// The wrapped value.
    public var value: Value

    /// Wraps `value` for binding or decoding as JSON.
    public init(_ value: Value) {
        self.value = value
    }

    /// `jsonb`'s binary format starts with this version byte.
    private static var jsonbVersion: UInt8 { 1 }

    /// Sent as `jsonb`.
    public static var postgresDataType: PostgresDataType { .jsonb }

    /// The version byte followed by the JSON text.
    public func encode(into bytes: inout [UInt8]) throws -> Bool {
        let json: Data
        do {
            json = try JSONEncoder().encode(value)
        } catch {
            throw PostgresError(code: .encodingFailed, clientMessage: "cannot encode \(Value.self) as JSON")
        }
        bytes.append(Self.jsonbVersion)
        bytes.append(contentsOf: json)
        return true
    }

    /// Decodes a `jsonb` or `json` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType(PostgresDataType.jsonColumns, for: Value.self)
        let text: Data? = try cell.withUnsafeBytes { bytes in
            if cell.dataType == .json {
                return Data(bytes)
            }
            guard bytes.first == Self.jsonbVersion else { return nil }
            return Data(bytes.dropFirst())
        }
        guard let text else {
            throw cell.decodingError("unsupported jsonb format version")
        }
        do {
            value = try JSONDecoder().decode(Value.self, from: text)
        } catch {
            throw cell.decodingError("JSON does not decode as \(Value.self)")
        }
    }
}

extension PostgresJSON: Equatable where Value: Equatable {}
