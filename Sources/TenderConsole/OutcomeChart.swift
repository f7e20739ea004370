import Foundation
import Tender

/// The overview's chart: outcomes per minute over the last hour as stacked bars, drawn by the
/// server as inline SVG (no script, no external image).
struct OutcomeChart {
    /// The outcomes drawn, bottom to top, with their colours.
    static let series: [(state: AttemptState, colour: String)] = [
        (.completed, "#3f9d4a"), (.expired, "#e0a020"), (.failed, "#d0463c"), (.canceled, "#8a93a6"),
    ]

    var minutes: [OperationsOverview.Minute]
    /// The chart's last minute; the chart spans the sixty minutes up to it.
    var now: Date

    /// The chart as an `<svg>` element, with a text alternative.
    func svg() -> String {
        let width = 720.0
        let height = 160.0
        let barWidth = width / 60
        let end = (now.timeIntervalSince1970 / 60).rounded(.down)
        let byMinute = Dictionary(
            minutes.map { (($0.start.timeIntervalSince1970 / 60).rounded(.down), $0.outcomes) }, uniquingKeysWith: { a, _ in a })
        let peak = max(1, byMinute.values.map { $0.values.reduce(0, +) }.max() ?? 1)
        var bars = ""
        var total: [AttemptState: Int] = [:]
        for slot in 0..<60 {
            let minute = end - Double(59 - slot)
            var top = height
            for (state, colour) in Self.series {
                let count = byMinute[minute]?[state] ?? 0
                guard count > 0 else { continue }
                total[state, default: 0] += count
                let barHeight = height * Double(count) / Double(peak)
                top -= barHeight
                bars +=
                    #"<rect x="\#(Self.number(Double(slot) * barWidth + 1))" y="\#(Self.number(top))" "#
                    + #"width="\#(Self.number(barWidth - 2))" height="\#(Self.number(barHeight))" fill="\#(colour)">"#
                    + "<title>\(count) \(state.rawValue)</title></rect>"
            }
        }
        let summary = Self.series.map { "\(total[$0.state, default: 0]) \($0.state.rawValue)" }.joined(separator: ", ")
        let legend = Self.series.enumerated().map { index, entry in
            #"<rect x="\#(index * 110)" y="\#(Int(height) + 12)" width="10" height="10" fill="\#(entry.colour)"/>"#
                + #"<text x="\#(index * 110 + 14)" y="\#(Int(height) + 21)">\#(entry.state.rawValue)</text>"#
        }.joined()
        return """
            <svg id="outcomes-chart" role="img" aria-label="Outcomes in the last hour: \(summary)" viewBox="0 0 \(Int(width)) \(Int(height + 26))" \
            width="\(Int(width))" height="\(Int(height + 26))" xmlns="http://www.w3.org/2000/svg">\
            <title>Outcomes in the last hour: \(summary); peak \(peak) a minute</title>\
            <line x1="0" y1="\(Int(height))" x2="\(Int(width))" y2="\(Int(height))" stroke="#cfd5de"/>\(bars)\(legend)</svg>
            """
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
