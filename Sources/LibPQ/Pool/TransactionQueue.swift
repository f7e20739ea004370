/// Transactions waiting to share a round trip (``PostgresPool/transaction(_:)``).
///
/// At most `roundTrips` shared round trips are under way at once. A caller that finds one free
/// leads a round trip of its own at once; one that finds none waits in the queue. A leader whose
/// round trip ended hands the next one to the oldest waiting caller, which leads it with every
/// transaction queued by then (up to `batchLimit`). The busier the pool, the more transactions
/// share each round trip; an idle pool adds no wait.
actor TransactionQueue {
    /// A queued caller's transaction, and how to wake it.
    struct Entry: Sendable {
        let statements: [PostgresStatement]
        let continuation: CheckedContinuation<Turn, Never>
    }

    /// What a caller is handed: a round trip to lead, carrying its own transaction first and then
    /// `others`, or the outcome of a round trip another caller led.
    enum Turn: Sendable {
        case lead(others: [Entry])
        case done(Result<[PostgresRows], any Error>)
    }

    private let roundTrips: Int
    private let batchLimit: Int
    private var underWay = 0
    private var waiting: [Entry] = []
    /// How many callers wait for a round trip (for tests).
    var waitingCount: Int { waiting.count }

    /// A queue allowing `roundTrips` shared round trips at once, each carrying at most `batchLimit` transactions.
    init(roundTrips: Int, batchLimit: Int = 64) {
        self.roundTrips = max(1, roundTrips)
        self.batchLimit = max(1, batchLimit)
    }

    /// Waits for this caller's turn: to lead a round trip, or for another's to have carried its transaction.
    func join(_ statements: [PostgresStatement]) async -> Turn {
        if underWay < roundTrips {
            underWay += 1
            return .lead(others: [])
        }
        return await withCheckedContinuation { waiting.append(Entry(statements: statements, continuation: $0)) }
    }

    /// Ends a round trip: the oldest waiting caller leads the next, with those queued behind it.
    func handOff() {
        guard !waiting.isEmpty else {
            underWay -= 1
            return
        }
        let batch = waiting.prefix(batchLimit)
        waiting.removeFirst(batch.count)
        batch.first?.continuation.resume(returning: .lead(others: Array(batch.dropFirst())))
    }
}
