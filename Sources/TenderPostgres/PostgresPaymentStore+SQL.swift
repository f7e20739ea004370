extension PostgresPaymentStore {
    /// `values` as an SQL list of constants, `('a', 'b')`. Only for Tender's own names (states,
    /// reasons), never for input.
    static func constantList(_ values: [String]) -> String {
        "(" + values.map { "'\($0)'" }.joined(separator: ", ") + ")"
    }

    /// An interval of `seconds`, a bound `float8` parameter such as `$4`.
    static func seconds(_ seconds: String) -> String {
        "make_interval(secs => \(seconds)::float8)"
    }
}
