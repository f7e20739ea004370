import Foundation
import Tender

/// Fixed values shared by the tests: a clock origin, a payer, an amount, sessions and gateway errors.
///
/// With the default ``AttemptPolicy`` an attempt submitted at ``t0`` has its deadline at `t(90)` and
/// its grace period ends at `t(990)`; every duration involved is a multiple of half a second, so
/// dates compare exactly.
enum Fixture {
    /// The time every fixture attempt is submitted.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// The time `seconds` after ``t0``.
    static func t(_ seconds: Double) -> Date {
        t0.addingTimeInterval(seconds)
    }

    /// The gateway session id the fixture attempts use.
    static let sessionID = "cs_fixture"

    /// The six digits of the fixture code.
    static let digits = "927364"

    static func code() throws -> BLIKCode {
        try BLIKCode(digits)
    }

    static func amount() throws -> Money {
        try Money(minorUnits: 1000, currency: .pln)
    }

    static func customer() throws -> Customer {
        try Customer(email: "jan.kowalski@example.com", firstName: "Jan", lastName: "Kowalski")
    }

    static func submission(number: Int = 1, payment: PaymentID = PaymentID(rawValue: "order-1")) throws -> AttemptMachine.Submission {
        try AttemptMachine.Submission(attemptID: attemptID(number), paymentID: payment, amount: amount(), customer: customer(), code: code())
    }

    /// A fixed attempt id, distinct per number.
    static func attemptID(_ number: Int) -> AttemptID {
        let suffix = String(number, radix: 16)
        let uuid = "00000000-0000-0000-0000-" + String(repeating: "0", count: max(0, 12 - suffix.count)) + suffix
        return AttemptID(rawValue: UUID(uuidString: uuid) ?? UUID())
    }

    static func session(_ status: GatewaySession.Status, id: String = sessionID) -> GatewaySession {
        GatewaySession(id: id, status: status, amount: 1000)
    }

    static let hint = WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: sessionID, createdAt: t0)

    /// One gateway error of every kind the machine distinguishes, with a short label.
    static let errors: [(label: String, error: GatewayError)] = [
        ("payerMustAct", GatewayError(kind: .payerMustAct(.insufficientFunds), httpStatus: 402, type: "voucher_error")),
        ("requestRejected", GatewayError(kind: .requestRejected, httpStatus: 400, type: "invalid_request_error")),
        ("configuration", GatewayError(kind: .configuration, httpStatus: 401)),
        ("retryLater", GatewayError(kind: .retryLater, httpStatus: 503)),
        ("retryLater+outcomeUnknown", GatewayError(kind: .retryLater, outcomeUnknown: true)),
    ]

    static let payerMustAct = errors[0].error
    static let requestRejected = errors[1].error
    static let configuration = errors[2].error
    static let retryLater = errors[3].error
    static let outcomeUnknown = errors[4].error

    /// The order system's cancel and an operator's.
    static let cancels: [AttemptInput] = [.cancelRequested, .canceledByOperator(OperatorAction(operatorName: "ops", reason: "payer called"))]

    /// Every input the table exercises: each case of ``AttemptInput`` with each variant that matters.
    static let allInputs: [AttemptInput] = {
        var inputs: [AttemptInput] = []
        for status in [GatewaySession.Status.open, .completed, .expired] {
            inputs.append(.sessionCreated(session(status)))
        }
        for status in [GatewaySession.Status.open, .completed, .expired] {
            inputs.append(.payAnswered(session(status)))
        }
        for call in GatewayCall.allCases {
            for (_, error) in errors {
                inputs.append(.callFailed(call, error))
            }
        }
        for status in [GatewaySession.Status.open, .completed, .expired] {
            for reason in FetchReason.allCases {
                inputs.append(.fetched(session(status), reason))
            }
        }
        for reason in FetchReason.allCases {
            inputs.append(.fetchFailed(reason, retryLater))
        }
        inputs += [.webhookHint(hint), .deadlineReached] + cancels
        for state in AttemptState.allCases {
            inputs.append(.resolvedByOperator(Resolution(state: state, reason: "checked with the bank", operatorName: "ops")))
        }
        return inputs
    }()

    /// A short readable name of an input, e.g. `callFailed(pay, retryLater)`.
    static func label(_ input: AttemptInput) -> String {
        switch input {
        case .sessionCreated(let session): "sessionCreated(\(session.status.rawValue))"
        case .payAnswered(let session): "payAnswered(\(session.status.rawValue))"
        case .callFailed(let call, let error): "callFailed(\(call.rawValue), \(label(error)))"
        case .fetched(let session, let reason): "fetched(\(session.status.rawValue), \(reason.rawValue))"
        case .fetchFailed(let reason, let error): "fetchFailed(\(reason.rawValue), \(label(error)))"
        case .webhookHint: "webhookHint"
        case .deadlineReached: "deadlineReached"
        case .cancelRequested: "cancelRequested"
        case .canceledByOperator: "canceledByOperator"
        case .resolvedByOperator(let resolution): "resolvedByOperator(\(resolution.state.rawValue))"
        }
    }

    static func label(_ error: GatewayError) -> String {
        errors.first { $0.error == error }?.label ?? error.description
    }
}
