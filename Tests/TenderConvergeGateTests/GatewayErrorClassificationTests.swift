import AsyncHTTPClient
import Tender
import Testing

@testable import TenderConvergeGate

@Suite("Error classification follows the API page's table")
struct GatewayErrorClassificationTests {
    static func body(type: String? = nil, declineCode: String? = nil, param: String? = nil) -> [UInt8] {
        var fields: [String] = [#""message":"refused""#]
        if let type { fields.append(#""type":"\#(type)""#) }
        if let declineCode { fields.append(#""decline_code":"\#(declineCode)""#) }
        if let param { fields.append(#""param":"\#(param)""#) }
        return Array(#"{"error":{\#(fields.joined(separator: ","))}}"#.utf8)
    }

    @Test(
        "the HTTP status decides first",
        arguments: [
            (400, GatewayError.Kind.requestRejected), (404, .requestRejected), (409, .retryLater),
            (401, .configuration), (403, .configuration),
            (429, .retryLater), (500, .retryLater), (502, .retryLater), (503, .retryLater),
            (402, .payerMustAct(.declined)),
        ]
    )
    func byStatus(status: Int, kind: GatewayError.Kind) {
        // A type that would point elsewhere does not override the status.
        let error = GatewayError.convergeGate(status: status, body: Self.body(type: "api_error"), redacting: [])
        #expect(error.kind == kind)
        #expect(error.httpStatus == status)
    }

    @Test("a 409 (the key busy with the same request) is replayed later, its outcome unknown")
    func conflictIsReplayedLater() {
        let error = GatewayError.convergeGate(status: 409, body: Self.body(type: "invalid_request_error"), redacting: [])
        #expect(error.kind == .retryLater && error.outcomeUnknown)
    }

    @Test("a 402's decline code maps to a reason, an unknown one to declined", arguments: DeclineReason.allCases)
    func declineCodes(reason: DeclineReason) {
        let error = GatewayError.convergeGate(status: 402, body: Self.body(type: "voucher_error", declineCode: reason.rawValue), redacting: [])
        #expect(error.kind == .payerMustAct(reason))
        #expect(error.type == "voucher_error")
    }

    @Test("an unknown decline code is a plain decline")
    func unknownDeclineCode() {
        let error = GatewayError.convergeGate(status: 402, body: Self.body(declineCode: "account_restricted"), redacting: [])
        #expect(error.kind == .payerMustAct(.declined))
    }

    @Test(
        "without a known status the type decides, then the decline code",
        arguments: [
            ("voucher_error", nil, GatewayError.Kind.payerMustAct(.doNotHonor)),
            ("authentication_error", nil, .configuration),
            ("permission_error", nil, .configuration),
            ("api_error", nil, .retryLater),
            ("invalid_request_error", nil, .requestRejected),
            ("something_new", "blik_code_used", .payerMustAct(.codeUsed)),
            ("something_new", nil, .requestRejected),
        ] as [(String, String?, GatewayError.Kind)]
    )
    func byType(type: String, declineCode: String?, kind: GatewayError.Kind) {
        let code = type == "voucher_error" ? "do_not_honor" : declineCode
        let error = GatewayError.convergeGate(status: 422, body: Self.body(type: type, declineCode: code), redacting: [])
        #expect(error.kind == kind)
    }

    @Test("server errors leave the outcome unknown; throttling does not")
    func serverErrorsOutcome() {
        #expect(GatewayError.convergeGate(status: 500, body: [], redacting: []).outcomeUnknown)
        #expect(!GatewayError.convergeGate(status: 429, body: [], redacting: []).outcomeUnknown)
    }

    @Test("a body that is not an error object leaves the status to decide")
    func undecodableErrorBody() {
        let error = GatewayError.convergeGate(status: 502, body: Array("<html>Bad gateway</html>".utf8), redacting: [])
        #expect(error.kind == .retryLater)
        #expect(error.type == nil)
        #expect(error.message == nil)
    }

    @Test("the param is named in the message")
    func paramInMessage() {
        let error = GatewayError.convergeGate(status: 400, body: Self.body(type: "invalid_request_error", param: "amount"), redacting: [])
        #expect(error.message == "amount: refused")
    }

    @Test("failing to connect means nothing was sent; other transport failures leave the outcome unknown")
    func transportErrors() {
        for error in [HTTPClientError.connectTimeout, .getConnectionFromPoolTimeout] {
            let classified = GatewayError.convergeGate(transportError: error)
            #expect(classified.kind == .retryLater)
            #expect(!classified.outcomeUnknown)
        }
        for error in [HTTPClientError.readTimeout, .deadlineExceeded, .remoteConnectionClosed] {
            let classified = GatewayError.convergeGate(transportError: error)
            #expect(classified.kind == .retryLater)
            #expect(classified.outcomeUnknown)
        }
    }
}
