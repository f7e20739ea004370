import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Tender

extension GatewayError {
    /// The longest gateway message kept in an error.
    static let maximumMessageLength = 300

    /// Classifies a non-2xx answer as the API page's table says: by HTTP status first, then by
    /// the error's `type`, then by its `decline_code`, so that an unknown code still lands in the
    /// right class.
    ///
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - body: the raw body; a body that is not the documented error object leaves the status alone
    ///     to decide.
    ///   - secrets: texts that must not survive into the error (the key, a BLIK code), in case the
    ///     gateway echoes them.
    static func convergeGate(status: Int, body: [UInt8], redacting secrets: [String]) -> GatewayError {
        let detail = (try? JSONDecoder().decode(WireError.self, from: Data(body)))?.error
        let type = detail?.type.map { String(redact($0, secrets).prefix(64)) }
        let message = composedMessage(detail, redacting: secrets)
        let declineReason = detail?.declineCode.map { DeclineReason(rawValue: $0) ?? .declined } ?? .declined

        let kind: Kind
        var outcomeUnknown = false
        switch status {
        case 402:
            kind = .payerMustAct(declineReason)
        case 400, 404:
            kind = .requestRejected
        case 409:
            // The key is taken by a request with the same parameters (a create's key carries their
            // digest; a pay's parameters are its attempt's code): one still being handled, or
            // applied. Replaying it later gets its answer; whether it was applied is unknown.
            kind = .retryLater
            outcomeUnknown = true
        case 401, 403:
            kind = .configuration
        case 408, 429:
            // The gateway refused to take the request in: nothing was applied.
            kind = .retryLater
        case 500...599:
            // A server error says nothing about whether the work was done.
            kind = .retryLater
            outcomeUnknown = true
        default:
            switch detail?.type {
            case "voucher_error":
                kind = .payerMustAct(declineReason)
            case "authentication_error", "permission_error":
                kind = .configuration
            case "api_error":
                kind = .retryLater
                outcomeUnknown = true
            case "invalid_request_error":
                kind = .requestRejected
            default:
                kind = detail?.declineCode != nil ? .payerMustAct(declineReason) : .requestRejected
            }
        }
        return GatewayError(kind: kind, outcomeUnknown: outcomeUnknown, httpStatus: status, type: type, message: message)
    }

    /// A 2xx answer whose body is not the object the call returns.
    ///
    /// Classed as ``GatewayError/Kind/requestRejected`` ("fetch the session, then decide; never
    /// retry blindly") with the outcome unknown: the gateway accepted the call, so it may have been
    /// applied, and retrying cannot make the answer readable.
    static func undecodableResponse(status: Int) -> GatewayError {
        GatewayError(kind: .requestRejected, outcomeUnknown: true, httpStatus: status, message: "undecodable response")
    }

    /// Classifies a failure to get any answer.
    ///
    /// Failures to connect mean nothing was sent: ``GatewayError/Kind/retryLater`` with the outcome
    /// known. Anything else (a read timeout, the deadline passing, the connection closing) may have
    /// happened after the gateway received the request: the outcome is unknown.
    static func convergeGate(transportError error: any Error) -> GatewayError {
        if isConnectFailure(error) {
            return GatewayError(kind: .retryLater, outcomeUnknown: false, message: "could not connect; nothing was sent")
        }
        return GatewayError(kind: .retryLater, outcomeUnknown: true, message: "no answer; the request may have been applied")
    }

    private static func isConnectFailure(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout,
                .httpProxyHandshakeTimeout:
                return true
            default:
                return false
            }
        case is NIOConnectionError:
            return true
        case let error as IOError:
            // Only a connect can be refused or find no route; a reset may come after sending.
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode)
        case ChannelError.connectTimeout:
            return true
        default:
            return false
        }
    }

    private static func composedMessage(_ detail: WireError.Detail?, redacting secrets: [String]) -> String? {
        guard let detail, detail.message != nil || detail.param != nil else { return nil }
        var message = detail.message ?? "refused"
        if let param = detail.param, !param.isEmpty { message = param + ": " + message }
        return String(redact(message, secrets).prefix(maximumMessageLength))
    }

    private static func redact(_ text: String, _ secrets: [String]) -> String {
        secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}
