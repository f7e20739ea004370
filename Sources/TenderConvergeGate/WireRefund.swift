import Tender

/// The refund object as the API sends it; unknown fields are ignored.
struct WireRefund: Decodable {
    let id: String
    let amount: Int64
    let status: GatewayRefund.Status

    /// The refund as the engine sees it.
    var gatewayRefund: GatewayRefund {
        GatewayRefund(id: id, amount: amount, status: status)
    }
}
