import AsyncHTTPClient
import Foundation
import NIOCore

extension ConvergeGateSandbox {
    /// Raises a webhook event about session `id` and schedules its delivery, applying the
    /// webhook chaos unless `scripted`. Returns the event id.
    @discardableResult
    func raise(_ type: SandboxEventType, sessionID id: String, scripted: Bool = false) -> String {
        let session = self.sessions[id]
        let eventID = SandboxIdentifier.event()
        let destination = session?.notificationURL ?? self.configuration.webhookURL
        var record = SandboxLedger.WebhookEvent(
            id: eventID,
            type: type,
            sessionID: id,
            destination: destination,
            dropped: false,
            duplicated: false,
            delayed: false,
            reordered: false,
            scripted: scripted
        )
        defer { self.webhookEvents.append(record) }
        let releasesHeld = type != .sessionCreated
        guard let destination else {
            if releasesHeld { self.releaseHeldDeliveries(sessionID: id) }
            return eventID
        }
        let body = WebhookEventBody(
            id: eventID,
            type: type,
            createdAt: Int(Date().timeIntervalSince1970),
            data: .init(status: session?.status ?? .open, sessionID: id)
        )
        let delivery = WebhookDelivery(
            eventID: eventID,
            type: type,
            sessionID: id,
            url: destination,
            body: Array(SandboxResponse.json(body)),
            attempt: 1,
            firstAttemptAt: nil,
            releasesHeldEvents: releasesHeld
        )
        if scripted {
            self.schedule(.deliver(delivery), after: .zero)
            return eventID
        }
        let chaos = self.configuration.webhooks
        if self.generator.chance(chaos.dropRate) {
            record.dropped = true
            if releasesHeld { self.releaseHeldDeliveries(sessionID: id) }
            return eventID
        }
        var delay = Duration.zero
        if self.generator.chance(chaos.delayRate) {
            record.delayed = true
            delay = self.scaled(chaos.extraDelay.sample(using: &self.generator))
        }
        let holdBack = type == .sessionCreated && self.generator.chance(chaos.reorderRate)
        record.reordered = holdBack
        var deliveries = [(delivery, delay)]
        if self.generator.chance(chaos.duplicateRate) {
            record.duplicated = true
            let duplicate = WebhookDelivery(
                eventID: eventID,
                type: type,
                sessionID: id,
                url: destination,
                body: delivery.body,
                attempt: 1,
                firstAttemptAt: nil,
                releasesHeldEvents: false
            )
            deliveries.append((duplicate, delay + self.scaled(chaos.duplicateDelay.sample(using: &self.generator))))
        }
        for (delivery, delay) in deliveries {
            if holdBack {
                self.heldDeliveries[id, default: []].append((delivery, delay))
            } else {
                self.schedule(.deliver(delivery), after: delay)
            }
        }
        return eventID
    }

    /// Sends the deliveries of session `id` that were held back for reordering.
    func releaseHeldDeliveries(sessionID id: String) {
        guard let held = self.heldDeliveries.removeValue(forKey: id) else { return }
        for (delivery, delay) in held {
            self.schedule(.deliver(delivery), after: delay)
        }
    }

    /// Makes one delivery attempt, records it, and schedules a retry if it failed.
    func attempt(_ delivery: WebhookDelivery, client: HTTPClient) async {
        var delivery = delivery
        if delivery.firstAttemptAt == nil { delivery.firstAttemptAt = .now }
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ConvergeGate-Sandbox/1.0")
        request.headers.add(name: "Sec-Timestamp", value: String(timestamp))
        request.headers.add(name: "Sec-Signature", value: self.signer.signature(timestamp: timestamp, body: delivery.body))
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        let timeout = TimeAmount.nanoseconds(Int64(self.configuration.webhooks.requestTimeout.seconds * 1e9))
        var statusCode: Int?
        var failure: String?
        do {
            let response = try await client.execute(request, timeout: timeout, logger: self.logger)
            statusCode = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 1 << 16)
        } catch {
            failure = String(describing: error)
        }
        self.record(delivery, statusCode: statusCode, failure: failure)
    }

    private func record(_ delivery: WebhookDelivery, statusCode: Int?, failure: String?) {
        let attempt = SandboxLedger.WebhookAttempt(
            eventID: delivery.eventID,
            type: delivery.type,
            sessionID: delivery.sessionID,
            attempt: delivery.attempt,
            statusCode: statusCode,
            error: failure,
            at: Date()
        )
        self.webhookAttempts.append(attempt)
        self.logger.debug(
            "Sandbox webhook attempt",
            metadata: [
                "event_id": "\(delivery.eventID)", "session_id": "\(delivery.sessionID)",
                "attempt": "\(delivery.attempt)", "status": "\(statusCode.map(String.init) ?? failure ?? "")",
            ]
        )
        if delivery.attempt == 1, delivery.releasesHeldEvents {
            self.releaseHeldDeliveries(sessionID: delivery.sessionID)
        }
        guard !attempt.succeeded else { return }
        let retry = self.configuration.webhooks.retry
        let delay = self.scaled(retry.delay(after: delivery.attempt))
        let elapsed = delivery.firstAttemptAt.map { ContinuousClock.now - $0 } ?? .zero
        guard elapsed + delay <= self.scaled(retry.giveUpAfter) else { return }
        var next = delivery
        next.attempt += 1
        self.schedule(.deliver(next), after: delay)
    }
}
