import ArgumentParser
import Foundation
import TenderWorker

/// Reads a worker's configuration from flags, the environment and the configuration file, and
/// turns a refused setting into a usage error that names it (never its value).
enum WorkerConfigurationLoader {
    /// The effective configuration.
    static func load(flags: [String: String]) async throws -> TenderConfiguration {
        do {
            let reader = try await TenderConfiguration.reader(flags: flags, environment: ProcessInfo.processInfo.environment)
            return try TenderConfiguration(reading: reader)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
