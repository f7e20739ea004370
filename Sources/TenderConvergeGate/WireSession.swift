import Tender

/// The checkout session object as the API sends it.
///
/// The documentation spells some fields two ways; both are read. Fields Tender does not use are
/// ignored, as are fields it does not know.
struct WireSession: Decodable {
    let id: String
    let status: GatewaySession.Status
    let amount: Int64
    let amountRefunded: Int64
    let currency: String?

    private enum CodingKeys: String, CodingKey {
        case id, status, currency
        case amountTotal = "amount_total"
        case amountSubTotal = "amount_sub_total"
        case amountSubtotal = "amount_subtotal"
        case amountRefunded = "amount_refunded"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(GatewaySession.Status.self, forKey: .status)
        let amount =
            try container.decodeIfPresent(Int64.self, forKey: .amountTotal)
            ?? container.decodeIfPresent(Int64.self, forKey: .amountSubTotal)
            ?? container.decodeIfPresent(Int64.self, forKey: .amountSubtotal)
        guard let amount else {
            throw DecodingError.keyNotFound(
                CodingKeys.amountTotal,
                .init(codingPath: container.codingPath, debugDescription: "no amount_total, amount_sub_total or amount_subtotal")
            )
        }
        self.amount = amount
        amountRefunded = try container.decodeIfPresent(Int64.self, forKey: .amountRefunded) ?? 0
        currency = try container.decodeIfPresent(String.self, forKey: .currency)?.uppercased()
    }

    /// The session as the engine sees it.
    var gatewaySession: GatewaySession {
        GatewaySession(id: id, status: status, amount: amount, amountRefunded: amountRefunded, currency: currency)
    }
}
