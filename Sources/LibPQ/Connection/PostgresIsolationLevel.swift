/// The isolation level of a transaction.
public enum PostgresIsolationLevel: Sendable, Hashable {
    /// Each statement sees data committed before it began (PostgreSQL's default).
    case readCommitted
    /// All statements see one snapshot taken at the first statement.
    case repeatableRead
    /// As if transactions ran one after another; conflicting ones fail with
    /// ``PostgresError/Code/serializationFailure`` and should be retried.
    case serializable

    /// The words after `ISOLATION LEVEL`.
    var sql: String {
        switch self {
        case .readCommitted: "READ COMMITTED"
        case .repeatableRead: "REPEATABLE READ"
        case .serializable: "SERIALIZABLE"
        }
    }
}
