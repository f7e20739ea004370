import Logging
import ServiceLifecycle

#if OTLPExport
    import OTel
#endif

/// `tender worker`'s spans, exported over OTLP/HTTP with swift-otel when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; nothing is
/// traced otherwise. The other `OTEL_*` variables (service name, sampler, headers) apply as
/// OpenTelemetry defines them; logs and metrics stay with swift-log and `/metrics`.
enum TraceExport {
    /// Bootstraps the process's tracer and returns the exporter's service, to run beside the
    /// worker; `nil` when no endpoint is set.
    static func bootstrap(environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil else {
            return nil
        }
        #if OTLPExport
            var configuration = OTel.Configuration.default
            configuration.serviceName = "tender"
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.traces.otlpExporter.protocol = .httpProtobuf
            configuration.diagnosticLogger = .custom(logger)
            let service = try OTel.bootstrap(configuration: configuration)
            logger.info("exporting traces over OTLP/HTTP")
            return service
        #else
            logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set, but this tender was built without the OTLPExport trait: no trace is exported")
            return nil
        #endif
    }
}
