extension FixedWidthInteger {
    /// Appends the value's bytes in network order, as PostgreSQL's binary format wants them.
    func appendBigEndian(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes the value in network order over the bytes of `bytes` starting at `offset`.
    func writeBigEndian(to bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: bigEndian) { value in
            bytes.replaceSubrange(offset..<offset + value.count, with: value)
        }
    }

    /// Reads a network-order value that fills `bytes` exactly, or returns `nil` when the
    /// length does not match.
    init?(bigEndianBytes bytes: UnsafeRawBufferPointer) {
        guard bytes.count == MemoryLayout<Self>.size else { return nil }
        self.init(bigEndian: bytes.loadUnaligned(as: Self.self))
    }
}

extension PostgresCell {
    /// Decodes an `int2`, `int4` or `int8` cell into `T`, failing when the value does not fit.
    func decodeInteger<T: FixedWidthInteger>(as type: T.Type) throws -> T {
        try requireType(PostgresDataType.integerColumns, for: T.self)
        let wide: Int64? = try withUnsafeBytes { bytes in
            switch bytes.count {
            case 2: Int16(bigEndianBytes: bytes).map(Int64.init)
            case 4: Int32(bigEndianBytes: bytes).map(Int64.init)
            case 8: Int64(bigEndianBytes: bytes)
            default: nil
            }
        }
        guard let wide else {
            throw decodingError("malformed \(dataType) value")
        }
        guard let value = T(exactly: wide) else {
            throw decodingError("\(dataType) value out of range of \(T.self)")
        }
        return value
    }
}
