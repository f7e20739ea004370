import Foundation
import Tender
import Testing

@Suite("BLIK code")
struct BLIKCodeTests {
    @Test("accepts exactly six ASCII digits", arguments: ["000000", "123456", "999999", "927364"])
    func acceptsSixDigits(text: String) throws {
        let code = try BLIKCode(text)
        #expect(code.revealed == text)
    }

    @Test(
        "refuses anything but six ASCII digits",
        arguments: [
            "", "12345", "1234567", "12345a", "abcdef", "12 345", " 123456", "123456 ", "123-45",
            "١٢٣٤٥٦",  // Arabic-Indic digits
            "１２３４５６",  // full-width digits
            "12345\u{0}", "+12345", "12345\n",
        ]
    )
    func refusesOthers(text: String) {
        let error = #expect(throws: ValidationError.self) { try BLIKCode(text) }
        #expect(error?.code == .invalidBLIKCode)
        #expect(error?.field == "blik_code")
    }

    @Test("a refusal does not repeat the refused text")
    func refusalHidesValue() {
        let error = #expect(throws: ValidationError.self) { try BLIKCode("9273641") }
        #expect(error.map { !String(describing: $0).contains("927364") } == true)
    }

    @Test("never shows its digits when printed, reflected or encoded")
    func neverShowsDigits() throws {
        let code = try BLIKCode(Fixture.digits)
        var dumped = ""
        dump(code, to: &dumped)
        var dumpedAttempt = ""
        dump(try Fixture.submission(), to: &dumpedAttempt)
        let mirror = Mirror(reflecting: code)
        let json = try JSONEncoder().encode(code)
        let jsonInArray = try JSONEncoder().encode([code])

        let renderings = [
            code.description,
            code.debugDescription,
            "\(code)",
            String(describing: code),
            String(reflecting: code),
            "\([code])",
            "\(Optional(code) as BLIKCode?)",
            dumped,
            dumpedAttempt,
            mirror.children.map { "\($0.label ?? ""): \($0.value)" }.joined(),
            String(decoding: json, as: UTF8.self),
            String(decoding: jsonInArray, as: UTF8.self),
        ]
        for rendering in renderings {
            #expect(!rendering.contains(Fixture.digits), "\(rendering)")
        }
        #expect(mirror.children.isEmpty)
        #expect(code.description == BLIKCode.redacted)
        #expect(String(decoding: json, as: UTF8.self) == "\"\(BLIKCode.redacted)\"")
    }

    @Test("codes with equal digits are equal, others are not")
    func equality() throws {
        #expect(try BLIKCode("123456") == BLIKCode("123456"))
        #expect(try BLIKCode("123456") != BLIKCode("654321"))
    }
}
