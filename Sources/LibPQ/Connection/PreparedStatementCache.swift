/// The statements one connection has prepared on the server, so that a statement run again is
/// bound and executed without being parsed and planned again.
///
/// A statement is identified by its SQL text and its parameters' type OIDs (the same text bound
/// with other types is another statement). Names come from a counter that never repeats on the
/// connection, so a statement prepared again (after its entry was dropped) never collides with a
/// name that may still exist on the server.
///
/// The cache is bounded: once `capacity` names may exist on the server, new statements run
/// unnamed (parsed and planned each time, as without a cache) while the cached ones stay. There
/// is no eviction: an application's statements are a fixed set far below the bound, which only
/// protects the server's memory from SQL built at run time. Only statements that are planned or
/// that open and close transactions are prepared; other utility statements (DDL, `SET`, …) gain
/// nothing and would only fill the cache.
struct PreparedStatementCache {
    /// A statement: its SQL text and its parameters' type OIDs.
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]

        /// Hashes the text's length and its first and last bytes, not all of it: a transition's
        /// texts run to hundreds of bytes each, and hashing them whole for every statement sent
        /// cost more than the rest of the lookup. Keys that hash alike are still compared whole.
        func hash(into hasher: inout Hasher) {
            var sql = sql
            sql.withUTF8 { bytes in
                hasher.combine(bytes.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.prefix(Self.hashedEnd))))
                hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(Self.hashedEnd))))
            }
            hasher.combine(types)
        }

        /// How many bytes of each end of the text are hashed.
        private static let hashedEnd = 32
    }

    /// How to send a statement.
    enum Plan: Equatable {
        /// Execute the statement already prepared (or being prepared earlier in the same round trip) under this name.
        case execute(name: String)
        /// Prepare the statement under this name, then execute it.
        case prepare(name: String)
        /// Send it unnamed: parsed and planned once, for this execution only.
        case unnamed
    }

    /// The most statement names that may exist on the server at once.
    let capacity: Int
    private var names: [Key: String] = [:]
    /// Statements whose prepare has been sent and whose result has not been read yet.
    private var preparing: [Key: String] = [:]
    /// Names that may exist on the server: prepared ones, including those dropped from `names`.
    private var occupied = 0
    private var nextNumber = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// How to send `key` now; a ``Plan/prepare(name:)`` must be settled with ``settle(_:prepared:)``.
    mutating func plan(_ key: Key) -> Plan {
        if let name = names[key] ?? preparing[key] {
            return .execute(name: name)
        }
        guard occupied + preparing.count < capacity, Self.isWorthPreparing(key.sql) else {
            return .unnamed
        }
        nextNumber += 1
        let name = "lpq_\(nextNumber)"
        preparing[key] = name
        return .prepare(name: name)
    }

    /// Records the outcome of preparing `key`: cached when the server prepared it.
    mutating func settle(_ key: Key, prepared: Bool) {
        guard let name = preparing.removeValue(forKey: key), prepared else { return }
        names[key] = name
        occupied += 1
    }

    /// Forgets prepares whose results were never read (the round trip failed before them).
    mutating func abandonUnsettled() {
        preparing.removeAll()
    }

    /// Stops using the statement of `key` (its cached plan became unusable); the next use
    /// prepares it again under a new name. Its old name still counts against ``capacity``.
    mutating func drop(_ key: Key) {
        names.removeValue(forKey: key)
    }

    /// The SQLSTATEs that mean a prepared statement cannot be executed again as it is: its
    /// result type changed under it (`0A000`, "cached plan must not change result type"), or
    /// it no longer exists (`26000`, after `DEALLOCATE ALL` or `DISCARD ALL`).
    static let invalidatingSQLStates: Set<String> = ["0A000", "26000"]

    /// The first words of statements worth preparing: those PostgreSQL plans, and transaction control.
    private static let preparedKeywords: Set<String> = [
        "select", "insert", "update", "delete", "merge", "with", "values", "table", "begin", "commit", "rollback",
    ]

    /// Whether `sql` starts with one of ``preparedKeywords`` (after spaces and opening parentheses).
    static func isWorthPreparing(_ sql: String) -> Bool {
        let start = sql.drop { $0.isWhitespace || $0 == "(" }
        let word = start.prefix { $0.isLetter }.lowercased()
        return preparedKeywords.contains(word)
    }
}
