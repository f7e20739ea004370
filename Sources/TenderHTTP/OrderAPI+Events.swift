import ServiceLifecycle
import Tender
import TenderOpenAPI

extension OrderAPI {
    /// `GET /v1/events`: the events after a sequence number, waiting up to `wait` seconds for one.
    public func pollEvents(_ input: Operations.PollEvents.Input) async throws -> Operations.PollEvents.Output {
        do {
            let query = input.query
            let after = try RequestRules.integer(query.after, "after", default: 0, in: 0...Int64.max)
            let wait = try RequestRules.integer(query.wait, "wait", default: 0, in: 0...RequestRules.maximumWait)
            let limit = try RequestRules.integer(query.limit, "limit", default: 100, in: 1...RequestRules.maximumEventLimit)
            // A graceful shutdown ends the wait at once, with what there is.
            let events = try await cancelWhenGracefulShutdown { [engine] in
                try await engine.events(after: after, limit: limit, waitingUpTo: .seconds(wait))
            }
            return .ok(.init(body: .json(.init(events: events.map(Components.Schemas.Event.init), next: events.last?.sequence ?? after))))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }

    /// `POST /v1/events/ack`: moves a consumer's cursor forward.
    public func acknowledgeEvents(_ input: Operations.AcknowledgeEvents.Input) async throws -> Operations.AcknowledgeEvents.Output {
        do {
            guard case .json(let body) = input.body else { preconditionFailure("the only content type declared") }
            let consumer = try RequestRules.consumer(body.consumer)
            guard body.sequence >= 0 else {
                throw APIError(.unprocessableContent, code: "invalid_sequence", message: "sequence must not be negative")
            }
            try await engine.acknowledge(consumer: consumer, upTo: body.sequence)
            return .ok(.init(body: .json(.init(consumer: consumer, sequence: try await engine.acknowledged(consumer: consumer)))))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }

    /// `GET /v1/events/ack`: the last sequence a consumer acknowledged.
    public func readCursor(_ input: Operations.ReadCursor.Input) async throws -> Operations.ReadCursor.Output {
        do {
            let consumer = try RequestRules.consumer(input.query.consumer)
            return .ok(.init(body: .json(.init(consumer: consumer, sequence: try await engine.acknowledged(consumer: consumer)))))
        } catch {
            return .init(APIError(error, logger: logger))
        }
    }
}
