import Foundation
import Tender

/// The payments list: filters (id, state, age) and a page of payments, newest first.
struct PaymentListView: Sendable {
    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Row: Sendable {
        var id: String
        var link: String
        var amount: String
        var state: String
        var created: String
    }

    /// The ages the filter offers, in seconds.
    static let ages: [(value: String, label: String, seconds: TimeInterval?)] = [
        ("", "any time", nil), ("15m", "last 15 minutes", 900), ("1h", "last hour", 3600), ("24h", "last 24 hours", 86_400),
        ("7d", "last 7 days", 604_800),
    ]

    let title = "Payments"
    var chrome: PageChrome
    var id: String
    var states: [Option]
    var ages: [Option]
    var rows: [Row]
    var next: String?
    var problem: String?

    init(_ page: PaymentPage, filter: PaymentFilter, chrome: PageChrome, problem: String? = nil) {
        self.chrome = chrome
        self.id = filter.id
        self.states =
            [Option(value: "", label: "any", selected: filter.state == nil)]
            + AttemptState.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: filter.state == $0) }
        self.ages = Self.ages.map { Option(value: $0.value, label: $0.label, selected: filter.age == $0.value) }
        self.rows = page.payments.map {
            Row(
                id: $0.id.rawValue, link: ConsoleFormat.link(to: $0.id), amount: "\($0.amount)", state: $0.state.rawValue,
                created: ConsoleFormat.time($0.createdAt))
        }
        self.next = page.next.map { filter.link(after: $0) }
        self.problem = problem
    }
}

/// The list's filters, as the query string carries them.
struct PaymentFilter: Sendable, Decodable {
    var id: String = ""
    var state: AttemptState?
    var age: String = ""
    var cursor: String?

    private enum CodingKeys: String, CodingKey {
        case id, state, age, cursor
    }

    /// No filter: every payment.
    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = (try container.decodeIfPresent(String.self, forKey: .id) ?? "").trimmingCharacters(in: .whitespaces)
        state = try container.decodeIfPresent(String.self, forKey: .state).flatMap(AttemptState.init(rawValue:))
        age = try container.decodeIfPresent(String.self, forKey: .age) ?? ""
        cursor = try container.decodeIfPresent(String.self, forKey: .cursor)
    }

    /// The store's query for these filters, at `now`.
    func query(now: Date) -> PaymentQuery {
        let seconds = PaymentListView.ages.first { $0.value == age }?.seconds
        return PaymentQuery(
            state: state, createdAfter: seconds.map { now.addingTimeInterval(-$0) }, limit: 50, cursor: cursor.flatMap(PaymentCursor.init(token:)))
    }

    /// The list's link to the page after `cursor`, with the same filters.
    func link(after cursor: PaymentCursor) -> String {
        var query = ["cursor=" + ConsoleFormat.pathComponent(cursor.token)]
        if let state { query.append("state=" + state.rawValue) }
        if !age.isEmpty { query.append("age=" + ConsoleFormat.pathComponent(age)) }
        return "/console/payments?" + query.joined(separator: "&")
    }
}
