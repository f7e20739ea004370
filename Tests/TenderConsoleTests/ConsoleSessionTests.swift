import Crypto
import Foundation
import Testing

@testable import TenderConsole

@Suite("Console sessions")
struct ConsoleSessionTests {
    let key = ConsoleToken("console-token-for-session-tests").signingKey
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a session survives its cookie, with its operator and CSRF token")
    func roundTrip() throws {
        let session = ConsoleSession(operatorName: "Zoë O'Brien", now: now, key: key)
        let read = try #require(ConsoleSession(cookie: session.cookie, now: now.addingTimeInterval(60), key: key))
        #expect(read == session)
        #expect(read.acceptsCSRFToken(session.csrfToken))
        #expect(!read.acceptsCSRFToken(String(session.csrfToken.dropLast())))
        #expect(!read.acceptsCSRFToken(""))
    }

    @Test("a CSRF token with any other last character is refused, though some decode to the same bytes")
    func csrfTokenIsExact() throws {
        let session = ConsoleSession(operatorName: "alice", now: now, key: key)
        let token = session.csrfToken
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        let others = alphabet.filter { $0 != token.last }.map { String(token.dropLast()) + String($0) }
        #expect(others.count == 63)
        #expect(others.filter(session.acceptsCSRFToken).isEmpty)
        #expect(session.acceptsCSRFToken(token))
    }

    @Test("a tampered, expired or foreign cookie is no session")
    func refusals() throws {
        let session = ConsoleSession(operatorName: "alice", now: now, key: key)
        var parts = session.cookie.split(separator: ".").map(String.init)
        parts[2] = Base64URL.encode(Array("mallory".utf8))
        #expect(ConsoleSession(cookie: parts.joined(separator: "."), now: now, key: key) == nil, "another name")
        parts = session.cookie.split(separator: ".").map(String.init)
        parts[1] = String(Int64(parts[1])! + 86_400)
        #expect(ConsoleSession(cookie: parts.joined(separator: "."), now: now, key: key) == nil, "a longer life")
        #expect(ConsoleSession(cookie: session.cookie, now: now.addingTimeInterval(ConsoleSession.lifetime + 1), key: key) == nil, "expired")
        #expect(ConsoleSession(cookie: session.cookie, now: now, key: ConsoleToken("another-console-token-entirely").signingKey) == nil)
        for garbage in ["", "v1", "v1.1.2.3.4", "v2.\(parts[1]).\(parts[2]).\(parts[3])", "v1.x.y.z"] {
            #expect(ConsoleSession(cookie: garbage, now: now, key: key) == nil, "\(garbage)")
        }
    }

    @Test("a console token never prints")
    func tokenRedacted() {
        let token = ConsoleToken("console-token-that-must-not-print")
        #expect("\(token)" == ConsoleToken.redacted)
        #expect(String(reflecting: token) == ConsoleToken.redacted)
        #expect(token.matches("console-token-that-must-not-print"))
        #expect(!token.matches("console-token-that-must-not-prinT"))
    }
}
