import TenderOpenAPI

extension TenderClient {
    /// The events after `sequence`, oldest first, waiting up to `wait` seconds (at most 30) when
    /// there is none yet. Pass the page's `next` as `after` next time.
    public func events(after sequence: Int64 = 0, wait: Int? = nil, limit: Int? = nil) async throws -> EventPage {
        switch try await api.pollEvents(query: .init(after: sequence, wait: wait, limit: limit)) {
        case .ok(let answer): return try answer.body.json
        case .badRequest(let refusal): throw TenderClientError(status: 400, refusal)
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }

    /// Records that `consumer` handled every event up to `sequence`; returns its cursor, which
    /// never moves back.
    public func acknowledge(consumer: String, upTo sequence: Int64) async throws -> Int64 {
        switch try await api.acknowledgeEvents(body: .json(.init(consumer: consumer, sequence: sequence))) {
        case .ok(let answer): return try answer.body.json.sequence
        case .badRequest(let refusal): throw TenderClientError(status: 400, refusal)
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .contentTooLarge(let refusal): throw TenderClientError(status: 413, refusal)
        case .unsupportedMediaType(let refusal): throw TenderClientError(status: 415, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }

    /// The last sequence `consumer` acknowledged, 0 when none.
    public func acknowledged(consumer: String) async throws -> Int64 {
        switch try await api.readCursor(query: .init(consumer: consumer)) {
        case .ok(let answer): return try answer.body.json.sequence
        case .badRequest(let refusal): throw TenderClientError(status: 400, refusal)
        case .unauthorized(let refusal): throw TenderClientError(status: 401, refusal)
        case .unprocessableContent(let refusal): throw TenderClientError(status: 422, refusal)
        case .serviceUnavailable(let refusal): throw TenderClientError(status: 503, refusal)
        case .undocumented(let status, _): throw TenderClientError(undocumented: status)
        }
    }
}
