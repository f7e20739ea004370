import Logging
import NIOConcurrencyHelpers

/// Collects every log line (level, label, message and metadata, rendered) written through the
/// loggers it hands out, so that a test can search them for secrets.
public final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    /// An empty capture.
    public init() {}

    /// Every line logged so far.
    public var all: [String] { lines.withLockedValue { $0 } }

    fileprivate func append(_ line: String) { lines.withLockedValue { $0.append(line) } }

    /// A trace-level logger that records here.
    public func logger(label: String) -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

/// Renders each event as one line into a ``LogCapture``.
private struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        capture.append("\(event.level) [\(label)] \(event.message) \(merged.sorted { $0.key < $1.key }) \(event.source) \(event.file):\(event.line)")
    }
}
