/// One value of a ``PostgresRow``, handed to ``PostgresDecodable`` conformances; or one element
/// of an array value, when an array is decoded.
public struct PostgresCell: Sendable {
    /// An element of an array cell: its position, its type, and where its bytes lie within the
    /// array's bytes (nil for `NULL`).
    private struct ArrayElement: Sendable {
        let index: Int
        let dataType: PostgresDataType
        let bytes: Range<Int>?
    }

    private let result: PostgresResult
    private let row: Int
    private let column: Int
    private let element: ArrayElement?

    init(result: PostgresResult, row: Int, column: Int) {
        self.init(result: result, row: row, column: column, element: nil)
    }

    private init(result: PostgresResult, row: Int, column: Int, element: ArrayElement?) {
        self.result = result
        self.row = row
        self.column = column
        self.element = element
    }

    /// The column's name.
    public var columnName: String { result.columnName(at: column) }

    /// The column's type, or the element type for an array element.
    public var dataType: PostgresDataType { element?.dataType ?? result.columnType(at: column) }

    /// Whether the value is SQL `NULL`.
    public var isNull: Bool {
        guard let element else { return result.isNull(row: row, column: column) }
        return element.bytes == nil
    }

    /// Calls `body` with the value in PostgreSQL's binary format; the bytes are valid only
    /// during the call.
    ///
    /// - Throws: a ``PostgresError/Code/decodingFailed`` error when the value is `NULL`, or what `body` throws.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard !isNull else {
            throw decodingError("is NULL; decode it as an Optional")
        }
        return try result.withBytes(row: row, column: column) { bytes in
            guard let range = element?.bytes else { return try body(bytes) }
            return try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    /// Throws unless the column has one of the given types.
    ///
    /// - Parameters:
    ///   - accepted: the column types the decoder reads.
    ///   - swiftType: the Swift type being decoded, named in the error.
    public func requireType(_ accepted: [PostgresDataType], for swiftType: Any.Type) throws {
        guard accepted.contains(dataType) else {
            throw decodingError("cannot decode a \(dataType) value as \(swiftType)")
        }
    }

    /// A ``PostgresError/Code/decodingFailed`` error that names this column (and array element).
    ///
    /// - Parameter reason: what went wrong; must not contain the value itself.
    public func decodingError(_ reason: String) -> PostgresError {
        let place = element.map { "column \"\(columnName)\" element \($0.index + 1)" } ?? "column \"\(columnName)\""
        return PostgresError(code: .decodingFailed, clientMessage: "\(place): \(reason)")
    }

    /// The elements of a one-dimensional array value, each a cell of its own.
    ///
    /// - Throws: a ``PostgresError/Code/decodingFailed`` error when the value is `NULL`, not an
    ///   array, multidimensional or malformed.
    func arrayElements() throws -> [PostgresCell] {
        guard element == nil, PostgresDataType.arrayElementTypes[dataType] != nil else {
            throw decodingError("cannot decode a \(dataType) value as an array")
        }
        let layout = try withUnsafeBytes { bytes in
            do {
                return try PostgresArrayFormat.decode(bytes)
            } catch PostgresArrayFormat.Failure.multidimensional {
                throw decodingError("multidimensional arrays are not supported")
            } catch {
                throw decodingError("malformed \(dataType) value")
            }
        }
        return layout.elements.enumerated().map { index, bytes in
            PostgresCell(
                result: result,
                row: row,
                column: column,
                element: ArrayElement(index: index, dataType: layout.elementType, bytes: bytes)
            )
        }
    }
}
