import Foundation
import Testing

@testable import Tender

@Suite("UUIDs")
struct UUIDTests {
    @Test("are version 4, of RFC 4122's variant, and do not repeat")
    func areVersion4AndDistinct() {
        let ids = (0..<1_000).map { _ in UUID.random() }
        for id in ids {
            #expect(id.uuid.6 >> 4 == 4, "version 4: \(id)")
            #expect(id.uuid.8 >> 6 == 0b10, "variant: \(id)")
            #expect(id.uuidString.split(separator: "-")[2].first == "4")
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test("are written in lower case as Foundation writes them in upper case")
    func lowercasedStringMatchesFoundation() {
        let ids =
            [
                UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
            ]
            + (0..<1_000).map { _ in UUID.random() }
        for id in ids {
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
    }
}
