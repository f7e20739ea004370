/// PostgreSQL's binary format of arrays: the number of dimensions, a has-NULLs flag, the
/// element type's OID, a length and lower bound per dimension, then each element as a length
/// (-1 for `NULL`) and its bytes, all integers in network order. Only one dimension is supported.
enum PostgresArrayFormat {
    /// Appends the binary format of a one-dimensional array of `elements` to `bytes`, each
    /// element encoded in place.
    static func encode<Element: PostgresArrayElement>(_ elements: [Element], into bytes: inout [UInt8]) throws {
        guard elements.count <= Int32.max else {
            throw PostgresError(code: .encodingFailed, clientMessage: "an array exceeds \(Int32.max) elements")
        }
        Int32(elements.isEmpty ? 0 : 1).appendBigEndian(to: &bytes)
        let hasNullsOffset = bytes.count
        Int32(0).appendBigEndian(to: &bytes)
        Element.postgresDataType.rawValue.appendBigEndian(to: &bytes)
        guard !elements.isEmpty else { return }
        Int32(elements.count).appendBigEndian(to: &bytes)
        Int32(1).appendBigEndian(to: &bytes)  // lower bound
        var hasNulls = false
        for element in elements {
            let lengthOffset = bytes.count
            Int32(-1).appendBigEndian(to: &bytes)
            guard try element.encode(into: &bytes) else {
                hasNulls = true
                continue
            }
            let length = bytes.count - lengthOffset - 4
            guard length <= Int32.max else {
                throw PostgresError(code: .encodingFailed, clientMessage: "an array element exceeds 2 GiB")
            }
            Int32(length).writeBigEndian(to: &bytes, at: lengthOffset)
        }
        if hasNulls {
            Int32(1).writeBigEndian(to: &bytes, at: hasNullsOffset)
        }
    }

    /// A decoded array: its element type and where each element's bytes lie (nil for `NULL`).
    struct Layout {
        var elementType: PostgresDataType
        var elements: [Range<Int>?]
    }

    /// Why bytes are not a one-dimensional array.
    enum Failure: Error {
        case malformed
        case multidimensional
    }

    /// Reads the layout of a one-dimensional (or empty) array.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Layout {
        var reader = Reader(bytes: bytes)
        let dimensions = try reader.int32()
        _ = try reader.int32()  // has-NULLs flag; each element says so itself
        let elementType = PostgresDataType(rawValue: UInt32(bitPattern: try reader.int32()))
        guard dimensions <= 1 else { throw .multidimensional }
        guard dimensions == 1 else {
            guard dimensions == 0, reader.isAtEnd else { throw .malformed }
            return Layout(elementType: elementType, elements: [])
        }
        let count = try reader.int32()
        _ = try reader.int32()  // lower bound
        guard count >= 0, count <= (bytes.count - reader.offset) / 4 else { throw .malformed }
        var elements: [Range<Int>?] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            let length = try reader.int32()
            elements.append(length < 0 ? nil : try reader.skip(Int(length)))
        }
        guard reader.isAtEnd else { throw .malformed }
        return Layout(elementType: elementType, elements: elements)
    }

    /// Reads network-order integers and byte ranges from a buffer, failing past its end.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        private(set) var offset = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { offset == bytes.count }

        mutating func int32() throws(Failure) -> Int32 {
            let range = try skip(4)
            guard let value = Int32(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[range])) else { throw .malformed }
            return value
        }

        mutating func skip(_ count: Int) throws(Failure) -> Range<Int> {
            guard count <= bytes.count - offset else { throw .malformed }
            defer { offset += count }
            return offset..<offset + count
        }
    }
}
