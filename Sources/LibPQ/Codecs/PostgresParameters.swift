/// Bound values encoded for libpq: one contiguous buffer plus per-parameter lengths and type
/// OIDs, all in binary format.
struct PostgresParameters {
    private var buffer: [UInt8] = []
    private var lengths: [Int32] = []
    /// The parameters' type OIDs, in order.
    private(set) var types: [UInt32] = []

    init(_ bindings: [any PostgresEncodable]) throws {
        guard bindings.count <= Int(Int16.max) * 2 + 1 else {
            throw PostgresError(code: .encodingFailed, clientMessage: "more than 65535 parameters")
        }
        guard !bindings.isEmpty else { return }
        types.reserveCapacity(bindings.count)
        lengths.reserveCapacity(bindings.count)
        buffer.reserveCapacity(bindings.count * 16 + 1)
        for binding in bindings {
            types.append(type(of: binding).postgresDataType.rawValue)
            let offset = buffer.count
            if try binding.encode(into: &buffer) {
                guard buffer.count - offset <= Int32.max else {
                    throw PostgresError(code: .encodingFailed, clientMessage: "a value exceeds 2 GiB")
                }
                lengths.append(Int32(buffer.count - offset))
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
        // Both arrays live on the stack for the statements an application runs.
        try withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(types.count, 1)) { formats in
            formats.initialize(repeating: 1)
            return try withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(types.count, 1)) { values in
                try buffer.withUnsafeBytes { raw in
                    let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
                    var offset = 0
                    for (index, length) in lengths.enumerated() {
                        values.initializeElement(at: index, to: length < 0 ? nil : base.map { $0 + offset })
                        offset += max(Int(length), 0)
                    }
                    return try body(types, UnsafePointer(values.baseAddress), lengths, UnsafePointer(formats.baseAddress))
                }
            }
        }
    }
}
