import Foundation

/// The signature vector of `convergegate-api.md`.
enum WebhookVector {
    static let secret = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"
    static let timestamp = "1732470000"
    static let now = Date(timeIntervalSince1970: 1_732_470_000)
    static let body = Array(
        #"{"id":"evt_1","type":"session.completed","created_at":1732470000,"data":{"status":"completed","session_id":"AW-kLcRRC5P8U68CYe0kVA"}}"#
            .utf8
    )

    /// Headers carrying `timestamp` and `signature` under their documented names.
    static func headers(timestamp: String = timestamp, signature: String) -> [(name: String, value: String)] {
        [("Content-Type", "application/json"), ("Sec-Timestamp", timestamp), ("Sec-Signature", signature)]
    }
}
