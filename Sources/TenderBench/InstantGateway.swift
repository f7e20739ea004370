import Foundation
import Tender

/// A gateway that answers at once, in process: a created session is open, a pay completes it, and a
/// read says completed. It measures the engine's and the database's work without any network.
struct InstantGateway: PaymentGateway {
    var currencies: Set<Currency> { [.pln] }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        GatewaySession(id: "cs_\(request.amount.minorUnits)_\(UUID.random().lowercasedString)", status: .open, amount: request.amount.minorUnits)
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        GatewaySession(id: sessionID, status: .completed, amount: Self.amount(ofSession: sessionID))
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        GatewaySession(id: id, status: .completed, amount: Self.amount(ofSession: id))
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        GatewayRefund(id: "re_" + UUID.random().lowercasedString, amount: amount ?? 0, status: .succeeded)
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        GatewayRefund(id: id, amount: 0, status: .succeeded)
    }

    /// The amount a session id names; 0 for an id this gateway did not make.
    private static func amount(ofSession id: String) -> Int64 {
        id.split(separator: "_", maxSplits: 2).dropFirst().first.flatMap { Int64($0) } ?? 0
    }
}
