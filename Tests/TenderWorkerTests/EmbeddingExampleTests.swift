import Foundation
import Testing

/// docs/embedding.md shows ``EmbeddingExample.swift``, which this target compiles.
@Suite("Embedding example")
struct EmbeddingExampleTests {
    @Test("docs/embedding.md shows the compiled example verbatim")
    func pageShowsTheCompiledExample() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let example = try String(contentsOf: here.appendingPathComponent("EmbeddingExample.swift"), encoding: .utf8)
        let page = try String(contentsOf: here.appendingPathComponent("../../docs/embedding.md").standardized, encoding: .utf8)
        let shown = try #require(example.range(of: "import Foundation")).lowerBound
        #expect(page.contains("```swift\n" + example[shown...] + "```"))
    }
}
