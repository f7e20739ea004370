import Foundation
import TenderSandbox

/// Random and mutated JSON bodies: valid ones, and ones truncated, with huge numbers, deep nesting,
/// invalid UTF-8, wrong types, giant strings, NULs, unknown, missing or repeated fields, or no JSON
/// at all. Deterministic for a given seed.
struct HostileInput {
    /// A JSON value as text, or an object of named values.
    indirect enum Value {
        case raw(String)
        case object([(String, Value)])

        func render() -> String {
            switch self {
            case .raw(let text): text
            case .object(let fields): "{" + fields.map { "\"\($0.0)\":\($0.1.render())" }.joined(separator: ",") + "}"
            }
        }
    }

    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    // MARK: Bodies

    /// A `POST /v1/payments` body; `pristine` when no mutation was applied (then it is valid).
    mutating func paymentBody(_ n: Int, prefix: String) -> (bytes: [UInt8], pristine: Bool) {
        let customer: Value = .object([
            ("email", .raw("\"payer\(n)@example.com\"")), ("first_name", .raw("\"Jan\"")), ("last_name", .raw("\"Kowalski\"")),
        ])
        let body: Value = .object([
            ("payment_id", .raw("\"\(prefix)-\(n)\"")),
            ("amount", .raw("\(Int.random(in: 1...1_000_000, using: &random))")),
            ("currency", .raw(random.chance(0.9) ? "\"PLN\"" : "\"pln\"")),
            ("blik_code", .raw("\"\(String(format: "%06d", Int.random(in: 100_000...999_999, using: &random)))\"")),
            ("customer", customer),
        ])
        return mutated(body)
    }

    /// A ConvergeGate webhook body; `pristine` when no mutation was applied.
    mutating func webhookBody(_ n: Int, prefix: String) -> (bytes: [UInt8], pristine: Bool) {
        let body: Value = .object([
            ("id", .raw("\"evt_\(prefix)_\(n)\"")),
            ("type", .raw("\"checkout.session.completed\"")),
            ("created_at", .raw("\(1_700_000_000 + n)")),
            ("data", .object([("status", .raw("\"complete\"")), ("session_id", .raw("\"cs_\(prefix)_\(n)\""))])),
        ])
        return mutated(body)
    }

    private mutating func mutated(_ body: Value) -> (bytes: [UInt8], pristine: Bool) {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<2:
            return (Array(body.render().utf8), true)
        case 2..<7:
            return (randomBytes(), false)
        case 7..<12:
            return (Array(hostileValue().utf8), false)
        default:
            var value = body
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                value = mutateStructure(value)
            }
            var bytes = Array(value.render().utf8)
            if random.chance(0.4) {
                bytes = mutateBytes(bytes)
            }
            return (bytes, false)
        }
    }

    // MARK: Structural mutations

    private mutating func mutateStructure(_ value: Value) -> Value {
        guard case .object(var fields) = value, !fields.isEmpty else { return .raw(hostileValue()) }
        let index = Int.random(in: 0..<fields.count, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<5:
            if case .object = fields[index].1, random.chance(0.5) {
                fields[index].1 = mutateStructure(fields[index].1)
            } else {
                fields[index].1 = .raw(hostileValue())
            }
        case 5:
            fields.remove(at: index)
        case 6:
            fields.append(("unexpected_\(Int.random(in: 0..<10, using: &random))", .raw(hostileValue())))
        case 7:
            fields.append((fields[index].0, .raw(hostileValue())))
        case 8:
            fields[index].0 = hostileKey()
        default:
            fields.shuffle(using: &random)
        }
        return .object(fields)
    }

    private mutating func hostileKey() -> String {
        ["", "PAYMENT_ID", "amount ", "\\u0000", String(repeating: "k", count: 3000), "ü", "__proto__"]
            .randomElement(using: &random)!  // a non-empty literal array
    }

    /// A JSON fragment meant to break a decoder or a database.
    mutating func hostileValue() -> String {
        switch Int.random(in: 0..<22, using: &random) {
        case 0: return "1" + String(repeating: "0", count: Int.random(in: 20...400, using: &random))
        case 1:
            return ["1e400", "-1e400", "1e-400", "9223372036854775808", "-9223372036854775809", "18446744073709551616"]
                .randomElement(using: &random)!  // non-empty
        case 2: return ["0", "-1", "-0", "0.5", "1.0", "1E+2", "NaN", "Infinity", "0x10", "01", "+1"].randomElement(using: &random)!  // non-empty
        case 3: return ["true", "false", "null", "[]", "{}", "[1,2,3]", "{\"a\":1}"].randomElement(using: &random)!  // non-empty
        case 4, 5:
            let depth = [10, 100, 600, 2_000, 8_000].randomElement(using: &random)!  // non-empty
            let open = random.chance(0.5) ? "[" : "{\"a\":"
            let close = open == "[" ? "]" : "}"
            let closing = random.chance(0.8) ? depth : Int.random(in: 0..<depth, using: &random)
            return String(repeating: open, count: depth) + "1" + String(repeating: close, count: closing)
        case 6: return "\"" + String(repeating: "a", count: [256, 1_000, 5_000, 20_000].randomElement(using: &random)!) + "\""  // non-empty
        case 7: return "\"a\\u0000b\""
        // A non-empty list: the force unwrap cannot fail.
        case 8: return ["\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\uZZZZ\"", "\"\\u00\"", "\"\\x41\"", "\"\\\""].randomElement(using: &random)!
        case 9: return "\"\u{7}\u{1B}[31m\u{8}\""
        case 10: return "\"" + String(repeating: "ż", count: Int.random(in: 1...3_000, using: &random)) + "\""
        case 11: return "\"\u{FEFF}\u{202E}\u{200B}\""
        case 12: return "\"" + String(repeating: "\\\\", count: Int.random(in: 1...500, using: &random)) + "\""
        case 13: return "\"unterminated"
        case 14: return ""
        case 15: return "\"   \""
        case 16: return "\"" + String(format: "%06d", Int.random(in: 0...999_999, using: &random)) + "\""
        case 17: return "\"0000\(Int.random(in: 10...99, using: &random))\""
        case 18: return "\(Int64.random(in: Int64.min...Int64.max, using: &random))"
        case 19: return "\"PLN\""
        case 20: return "[\"" + String(repeating: "x", count: 100) + "\"," + String(repeating: "1,", count: 1_000) + "1]"
        default: return "\"\(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8.random(in: 0...255, using: &random))))\""
        }
    }

    // MARK: Byte-level mutations

    private mutating func mutateBytes(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return [0xFF] }
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &random)...)
        case 1:
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        case 2:
            let invalid: [[UInt8]] = [
                [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xC3, 0x28], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x00], [0xE2, 0x82],
            ]
            bytes.insert(contentsOf: invalid.randomElement(using: &random)!, at: Int.random(in: 0...bytes.count, using: &random))  // non-empty
        case 3:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let end = min(bytes.count, start + Int.random(in: 1...20, using: &random))
            bytes.removeSubrange(start..<end)
        case 4:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            bytes.insert(contentsOf: bytes[start...].prefix(50), at: Int.random(in: 0...bytes.count, using: &random))
        default:
            bytes = [0xEF, 0xBB, 0xBF] + bytes
        }
        return bytes
    }

    private mutating func randomBytes() -> [UInt8] {
        (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
