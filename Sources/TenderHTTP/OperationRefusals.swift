import TenderOpenAPI

// Each operation's answer to a refusal, among the statuses docs/openapi.yaml declares for it. A
// refusal an operation cannot give (none the handlers raise) is answered as the database being
// unavailable, which every operation declares.

extension Operations.SubmitPayment.Output {
    init(_ error: APIError) {
        switch error.status {
        case .badRequest: self = .badRequest(.init(body: .json(error.body)))
        case .conflict: self = .conflict(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.ListPayments.Output {
    init(_ error: APIError) {
        switch error.status {
        case .badRequest: self = .badRequest(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.ShowPayment.Output {
    init(_ error: APIError) {
        switch error.status {
        case .notFound: self = .notFound(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.RefundPayment.Output {
    init(_ error: APIError) {
        switch error.status {
        case .badRequest: self = .badRequest(.init(body: .json(error.body)))
        case .notFound: self = .notFound(.init(body: .json(error.body)))
        case .conflict: self = .conflict(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.CancelPayment.Output {
    init(_ error: APIError) {
        switch error.status {
        case .notFound: self = .notFound(.init(body: .json(error.body)))
        case .conflict: self = .conflict(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.PollEvents.Output {
    init(_ error: APIError) {
        switch error.status {
        case .badRequest: self = .badRequest(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.AcknowledgeEvents.Output {
    init(_ error: APIError) {
        switch error.status {
        case .badRequest: self = .badRequest(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}

extension Operations.ReadCursor.Output {
    init(_ error: APIError) {
        switch error.status {
        case .badRequest: self = .badRequest(.init(body: .json(error.body)))
        case .unprocessableContent: self = .unprocessableContent(.init(body: .json(error.body)))
        default: self = .serviceUnavailable(.init(body: .json(APIError.unavailable.body)))
        }
    }
}
