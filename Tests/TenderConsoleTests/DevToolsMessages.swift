import Foundation

/// A JSON value: DevTools command parameters and JavaScript values.
enum JSON: Codable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSON].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number):
            if let integer = Int64(exactly: number) {
                try container.encode(integer)
            } else {
                try container.encode(number)
            }
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object): try container.encode(object)
        }
    }

    /// The value as JSON text (also a valid JavaScript literal), object keys sorted.
    func text() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

struct DevToolsCommand: Encodable {
    let id: Int
    let method: String
    let params: [String: JSON]
    let sessionId: String?
}

/// What every message may carry: responses have an `id` and possibly an `error`; events have neither.
struct DevToolsEnvelope: Decodable {
    struct Failure: Decodable { let message: String }
    let id: Int?
    let error: Failure?
}

struct DevToolsResponse<Result: Decodable>: Decodable {
    let result: Result
}

struct Empty: Decodable {}

struct CreatedTarget: Decodable { let targetId: String }

struct AttachedTarget: Decodable { let sessionId: String }

struct Navigation: Decodable { let errorText: String? }

struct Evaluation: Decodable {
    struct RemoteObject: Decodable {
        let value: JSON?
        let unserializableValue: String?
        let description: String?
    }
    struct ExceptionDetails: Decodable {
        let text: String
        let exception: RemoteObject?
    }
    let result: RemoteObject
    let exceptionDetails: ExceptionDetails?
}

struct Cookies: Decodable { let cookies: [BrowserCookie] }

struct LayoutMetrics: Decodable {
    struct Size: Decodable {
        let width: Double
        let height: Double
    }
    let cssContentSize: Size
}

struct Screenshot: Decodable { let data: String }
