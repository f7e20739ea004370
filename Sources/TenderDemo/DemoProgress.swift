import Foundation
import Tender

/// The demo's live progress: one status line redrawn in place on a terminal, a plain line every
/// few seconds otherwise (a pipe or a CI log).
struct DemoProgress: Sendable {
    /// Whether standard output is a terminal.
    let isTerminal = isatty(STDOUT_FILENO) == 1
    /// How often a plain line is written when output is not a terminal.
    let plainInterval: TimeInterval = 5

    /// How often ``show(_:)`` should be called.
    var refreshInterval: Duration { isTerminal ? .milliseconds(250) : .seconds(1) }

    /// The status line for a snapshot.
    func line(_ snapshot: DemoTracker.Snapshot) -> String {
        let count = { (state: AttemptState) in snapshot.byState[state, default: 0] }
        var parts = [
            String(format: "%5.1fs", snapshot.elapsed),
            "submitted \(snapshot.submitted)/\(snapshot.planned)",
            "in flight \(count(.submitted) + count(.awaitingConfirmation))",
            "completed \(count(.completed))",
            "expired \(count(.expired))",
            "failed \(count(.failed))",
        ]
        if snapshot.rejected > 0 { parts.append("refused \(snapshot.rejected)") }
        return parts.joined(separator: "  ")
    }

    /// Shows a snapshot: redraws the line on a terminal; otherwise prints it when `plainInterval`
    /// has passed since `lastPlain` (updated when it prints).
    func show(_ snapshot: DemoTracker.Snapshot, lastPlain: inout TimeInterval) {
        if isTerminal {
            write("\r\u{1B}[2K" + line(snapshot))
        } else if snapshot.elapsed - lastPlain >= plainInterval {
            lastPlain = snapshot.elapsed
            write(line(snapshot) + "\n")
        }
    }

    /// Ends the live display with the final counts on a line of their own.
    func finish(_ snapshot: DemoTracker.Snapshot) {
        write((isTerminal ? "\r\u{1B}[2K" : "") + line(snapshot) + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
