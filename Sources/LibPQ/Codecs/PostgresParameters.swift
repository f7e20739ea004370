/// Bound values encoded for libpq: one contiguous buffer plus per-parameter offsets, lengths
/// and type OIDs, all in binary format.
struct PostgresParameters {
    private var buffer: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int32] = []
    /// The parameters' type OIDs, in order.
    private(set) var types: [UInt32] = []

    init(_ bindings: [any PostgresEncodable]) throws {
        guard bindings.count <= Int(Int16.max) * 2 + 1 else {
            throw PostgresError(code: .encodingFailed, clientMessage: "more than 65535 parameters")
        }
        for binding in bindings {
            types.append(type(of: binding).postgresDataType.rawValue)
            offsets.append(buffer.count)
            if let bytes = try binding.postgresEncoded() {
                guard bytes.count <= Int32.max else {
                    throw PostgresError(code: .encodingFailed, clientMessage: "a value exceeds 2 GiB")
                }
                lengths.append(Int32(bytes.count))
                buffer.append(contentsOf: bytes)
            } else {
                lengths.append(-1)
            }
        }
        // A trailing byte keeps every non-NULL value's pointer non-nil, even an empty string at the end.
        buffer.append(0)
    }

    /// The number of parameters.
    var count: Int32 { Int32(types.count) }

    /// Calls `body` with the arrays `PQsendQueryParams`, `PQsendPrepare` and `PQsendQueryPrepared` take.
    func withUnsafeArguments<R>(
        _ body: (
            _ types: UnsafePointer<UInt32>?,
            _ values: UnsafePointer<UnsafePointer<CChar>?>?,
            _ lengths: UnsafePointer<Int32>?,
            _ formats: UnsafePointer<Int32>?
        ) throws -> R
    ) rethrows -> R {
        let formats = [Int32](repeating: 1, count: types.count)
        return try buffer.withUnsafeBytes { raw in
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = zip(offsets, lengths).map { offset, length in
                length < 0 ? nil : base.map { $0 + offset }
            }
            return try body(types, values, lengths, formats)
        }
    }
}
