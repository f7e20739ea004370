import Foundation
import Tender
import Testing

@testable import TenderConvergeGate

@Suite("Wire format: forms, paths, objects")
struct WireFormatTests {
    @Test("form values are percent-encoded except unreserved characters")
    func percentEncoding() {
        var form = FormBody()
        form.append("customer_lastname", "Żółć & Syn=1+2 ~a.b_c-d")
        form.append("absent", nil as String?)
        form.appendMetadata(["payment id": "p/1", "attempt_id": "a?1"])
        #expect(
            form.encoded
                == "customer_lastname=%C5%BB%C3%B3%C5%82%C4%87%20%26%20Syn%3D1%2B2%20~a.b_c-d"
                + "&metadata[attempt_id]=a%3F1&metadata[payment%20id]=p%2F1"
        )
    }

    @Test("session ids are percent-encoded into the path")
    func sessionPath() throws {
        #expect(try ConvergeGatePath.session("AW-kLcRRC5P8U68CYe0kVA") == "/v1/checkout/sessions/AW-kLcRRC5P8U68CYe0kVA")
        #expect(try ConvergeGatePath.pay("a b?c") == "/v1/checkout/sessions/a%20b%3Fc/pay")
    }

    @Test("ids that could address another resource are refused", arguments: ["", "a/b", "..", ".", "../refunds", String(repeating: "x", count: 256)])
    func badSessionID(id: String) {
        #expect {
            try ConvergeGatePath.session(id)
        } throws: { error in
            (error as? GatewayError)?.kind == .requestRejected
        }
    }

    @Test("the documented session object decodes")
    func documentedSession() throws {
        let json = #"""
            {"id": "AW-kLcRRC5P8U68CYe0kVA", "status": "open", "amount_total": 1000, "amount_sub_total": 1000,
             "amount_refunded": 0, "currency": "pln", "customer_firstname": "John", "customer_lastname": "Doe",
             "customer_email": "john@example.com", "customer_phone": "", "success_url": "", "cancel_url": "",
             "expire_at": null, "payment_method_types": ["blik"], "locale": "",
             "url": "https://gate.example/pay/AW-kLcRRC5P8U68CYe0kVA", "fees": null, "metadata": null,
             "refunds": [], "refunded": false, "livemode": false}
            """#
        let session = try JSONDecoder().decode(WireSession.self, from: Data(json.utf8)).gatewaySession
        #expect(session == GatewaySession(id: "AW-kLcRRC5P8U68CYe0kVA", status: .open, amount: 1000, amountRefunded: 0, currency: "PLN"))
    }

    @Test("either subtotal spelling stands in for a missing total")
    func subtotalSpellings() throws {
        for field in ["amount_sub_total", "amount_subtotal"] {
            let json = #"{"id":"S","status":"completed","\#(field)":700,"amount_refunded":200,"expires_at":1732470000}"#
            let session = try JSONDecoder().decode(WireSession.self, from: Data(json.utf8)).gatewaySession
            #expect(session == GatewaySession(id: "S", status: .completed, amount: 700, amountRefunded: 200))
        }
    }

    @Test("a session without an amount or with an unknown status does not decode")
    func undecodableSessions() {
        for json in [#"{"id":"S","status":"open"}"#, #"{"id":"S","status":"failed","amount_total":1}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(WireSession.self, from: Data(json.utf8)) }
        }
    }

    @Test("the documented refund object decodes")
    func documentedRefund() throws {
        let json =
            #"{"id":"kLcRRC5P8U68CYe0kVA","amount":1000,"status":"pending","reason":"requested_by_customer","created_at":1534255857,"livemode":false,"session_id":"S"}"#
        let refund = try JSONDecoder().decode(WireRefund.self, from: Data(json.utf8)).gatewayRefund
        #expect(refund == GatewayRefund(id: "kLcRRC5P8U68CYe0kVA", amount: 1000, status: .pending))
    }
}
