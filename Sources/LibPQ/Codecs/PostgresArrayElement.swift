/// A value that can be an element of a bound array: `[Element]` is sent as a one-dimensional
/// PostgreSQL array of ``postgresArrayDataType``, such as `uuid[]` for `[UUID]`.
///
/// Arrays make set-based statements possible, for example
/// `UPDATE t SET x = u.x FROM unnest($1::uuid[], $2::text[]) AS u(id, x) WHERE t.id = u.id`.
public protocol PostgresArrayElement: PostgresEncodable {
    /// The PostgreSQL array type an array of these values is sent as.
    static var postgresArrayDataType: PostgresDataType { get }
}
