/// The checks of a transition written from an attempt read without a lock
/// (``OptimisticTransition``): statements that raise when what the transition assumed no longer
/// holds, so that its transaction rolls back before it commits.
enum TransitionCheck {
    /// The SQLSTATE of a failed check, raised by `tender_expect` (`sql/0012_transition_guards.sql`).
    static let refusal = "TD001"

    /// `write`, one `UPDATE` or `DELETE`, raising ``refusal`` unless it changed exactly one row.
    /// `what` names the row in the error; it is one of Tender's own phrases, never input.
    static func expectingOneRow(_ write: String, what: String) -> String {
        "WITH written AS (\(write) RETURNING 1) SELECT tender_expect(count(*) = 1, \(literal(what))) FROM written"
    }

    /// A statement raising ``refusal`` unless `condition`, an SQL boolean over the bindings, holds.
    static func expecting(_ condition: String, what: String) -> String {
        "SELECT tender_expect(\(condition), \(literal(what)))"
    }

    /// `text` as an SQL string constant.
    private static func literal(_ text: String) -> String {
        "'" + text.replacing("'", with: "''") + "'"
    }
}
