/// A plain-text table with aligned columns, as the demo's summary and the `payments` commands
/// print them.
public struct TextTable: Sendable {
    /// The column titles.
    public var header: [String]
    /// The rows; a short row is padded with empty cells.
    public var rows: [[String]] = []
    /// Columns aligned to the right (numbers).
    public var rightAligned: Set<Int> = []

    /// An empty table with these column titles.
    public init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    /// Adds a row.
    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table, indented by `indent` spaces, ending in a newline.
    public func rendered(indent: Int = 2) -> String {
        let columns = ([header] + rows).map(\.count).max() ?? 0
        let cells = ([header] + rows).map { $0 + Array(repeating: "", count: columns - $0.count) }
        let widths = (0..<columns).map { column in cells.map { $0[column].count }.max() ?? 0 }
        let margin = String(repeating: " ", count: indent)
        func line(_ row: [String]) -> String {
            let padded = row.enumerated().map { column, text in
                let fill = String(repeating: " ", count: widths[column] - text.count)
                return rightAligned.contains(column) ? fill + text : text + fill
            }
            return margin + padded.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = margin + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
