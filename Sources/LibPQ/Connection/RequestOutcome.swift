/// What one request of a round trip produced.
enum RequestOutcome: Sendable {
    case rows(PostgresRows)
    case failed(PostgresError)
    /// Skipped because an earlier statement of the pipeline failed.
    case aborted

    var succeeded: Bool {
        if case .rows = self { true } else { false }
    }
}
