import Crypto
import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ

let testDatabase = SharedTestDatabase(existingServerVariable: "TENDER_TEST_DATABASE_URL")

extension HTTPFields.Element.Name {
    static var idempotencyKey: Self { Self("Idempotency-Key")! }  // a valid field name
    static var secTimestamp: Self { Self("Sec-Timestamp")! }  // a valid field name
    static var secSignature: Self { Self("Sec-Signature")! }  // a valid field name
}

/// Signs a webhook body as ConvergeGate does: hex HMAC-SHA-256 over the timestamp and the body,
/// keyed with the SHA-256 of the secret key.
func webhookSignature(secretKey: String, timestamp: String, body: [UInt8]) -> String {
    var authenticator = HMAC<SHA256>(key: SymmetricKey(data: SHA256.hash(data: Array(secretKey.utf8))))
    authenticator.update(data: Array(timestamp.utf8))
    authenticator.update(data: body)
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    for byte in authenticator.finalize() {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
}

/// The first column of the first row of `sql`, as an integer.
func count(_ sql: String, on pool: PostgresPool) async throws -> Int {
    let rows = try await pool.query(sql)
    return Int(try rows[0].decode(Int64.self, at: 0))
}
