import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import TenderWorker

/// `tender worker`: the engine with its HTTP API, webhook route, health checks and metrics, until
/// SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: the engine, the webhook route, the /v1 JSON API, /healthz, /readyz and /metrics.",
        discussion: """
            Every setting is an environment variable (see docs/operations.md); a flag of the same name \
            overrides it, and both override the file TENDER_CONFIG_FILE names.
            """
    )

    @OptionGroup var options: WorkerOptions

    @Flag(help: "Print the effective configuration, secrets redacted, and exit.")
    var printConfiguration = false

    func run() async throws {
        let configuration = try await WorkerConfigurationLoader.load(flags: options.flags)
        if printConfiguration {
            print(configuration)
            return
        }

        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "tender.worker")
        logger[metadataKey: "worker_id"] = "\(configuration.engine.workerID)"
        logger.info(
            "starting",
            metadata: ["configuration": "\(configuration.effectiveValues.map { "\($0.setting.variable)=\($0.value)" }.joined(separator: " "))"])

        let host = configuration.host
        // Before the worker builds its engine, which takes the process's tracer.
        let traces = try TraceExport.bootstrap(environment: ProcessInfo.processInfo.environment, logger: logger)
        let worker = TenderWorker(configuration: configuration, registry: registry, logger: logger) { port in
            let display = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            FileHandle.standardOutput.write(Data("tender worker listening on http://\(display):\(port)\n".utf8))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: (traces.map { [.init(service: $0)] } ?? []) + [.init(service: worker)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
        )
        try await group.run()
        logger.info("stopped")
    }
}
