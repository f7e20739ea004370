import LibPQ
import Tender

/// Writes one flat JSON object: string, integer and Boolean members, with absent ones left out
/// as `Codable` leaves out `nil`s. The history's evidence, the outbox's payloads and the
/// customer are such objects, written on every transition or submission; this writes them
/// straight into bytes, where `JSONEncoder` builds a tree of values through `Codable` first.
struct JSONObjectWriter {
    /// The bytes written so far, the object's among them.
    private var text: [UInt8] = []
    private var isEmpty = true

    /// Appends to `bytes` the object whose members `write` adds; the object is written into
    /// `bytes`' own storage, as a statement's bound values are.
    static func append(to bytes: inout [UInt8], _ write: (inout JSONObjectWriter) -> Void) {
        var object = JSONObjectWriter()
        swap(&object.text, &bytes)
        object.text.append(UInt8(ascii: "{"))
        write(&object)
        object.text.append(UInt8(ascii: "}"))
        swap(&object.text, &bytes)
    }

    /// Adds a string member unless `value` is nil.
    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        start(key)
        appendString(value)
    }

    /// Adds an integer member unless `value` is nil.
    mutating func add(_ key: String, _ value: Int64?) {
        guard let value else { return }
        start(key)
        text += String(value).utf8
    }

    /// Adds a Boolean member unless `value` is nil.
    mutating func add(_ key: String, _ value: Bool?) {
        guard let value else { return }
        start(key)
        text += (value ? "true" : "false").utf8
    }

    private mutating func start(_ key: String) {
        if !isEmpty {
            text.append(UInt8(ascii: ","))
        }
        isEmpty = false
        appendString(key)
        text.append(UInt8(ascii: ":"))
    }

    /// A JSON string: quotation mark, reverse solidus and control characters escaped
    /// (RFC 8259, section 7), everything else as its UTF-8 bytes.
    private mutating func appendString(_ string: String) {
        text.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                escape(byte)
            case UInt8(ascii: "\n"):
                escape(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"):
                escape(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"):
                escape(UInt8(ascii: "t"))
            case 0..<0x20:
                escape(UInt8(ascii: "u"))
                text += [UInt8(ascii: "0"), UInt8(ascii: "0"), lowercaseHexDigits[Int(byte >> 4)], lowercaseHexDigits[Int(byte & 0x0F)]]
            default:
                text.append(byte)
            }
        }
        text.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        text.append(UInt8(ascii: "\\"))
        text.append(byte)
    }
}

/// A value stored as a flat `jsonb` object written by ``JSONObjectWriter``.
protocol JSONObjectEncodable: PostgresEncodable {
    /// Adds the value's members.
    func write(to object: inout JSONObjectWriter)
}

extension JSONObjectEncodable {
    /// Sent as `jsonb`.
    static var postgresDataType: PostgresDataType { .jsonb }

    /// `jsonb`'s binary format: a version byte, 1, then the JSON text.
    func encode(into bytes: inout [UInt8]) throws -> Bool {
        bytes.append(1)
        JSONObjectWriter.append(to: &bytes, write(to:))
        return true
    }

    /// The value's JSON text.
    var jsonText: String {
        var bytes: [UInt8] = []
        JSONObjectWriter.append(to: &bytes, write(to:))
        return String(decoding: bytes, as: UTF8.self)
    }
}
