import AMECore
import AMEEngine
import Foundation
import Hummingbird
import Prometheus

/// Prometheus metrics for `/metrics`: API latency per route and status, runs submitted,
/// and, read from the database at scrape time, runs by status and the queue length.
/// Its own registry (not the process-wide MetricsSystem), so several servers can live in
/// one test process.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let submitted: Counter

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    init() {
        submitted = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "ame", metricName: "runs_submitted", unitName: "total", helpText: "Runs accepted by this server process."))
    }

    func runSubmitted() { submitted.increment() }

    func observe(route: String, method: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "ame", metricName: "http_request_duration", unitName: "seconds",
                                             helpText: "Time to answer an API request (to the start of a streamed body)."),
            labels: [("route", route), ("method", method), ("status", String(status))],
            buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The exposition text, with the run gauges read fresh from the store.
    func render(store: RunStore) -> [UInt8] {
        let counts = (try? store.runCountsByStatus()) ?? [:]
        for status in RunStatus.allCases {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "ame", metricName: "runs", helpText: "Runs by status."),
                               labels: [("status", status.rawValue)]).set(Double(counts[status] ?? 0))
        }
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "ame", metricName: "queue_length",
                                                            helpText: "Runs waiting to be admitted (status queued)."))
            .set(Double(counts[.queued] ?? 0))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Times every request and logs it (method, route, status, duration, user; never a body).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AMERequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The error middleware (outside this one) answers; count it with its status.
            let status = ErrorMiddleware.apiError(for: error).code.httpStatus
            record(request, context: context, status: status, start: start)
            throw error
        }
        record(request, context: context, status: response.status.code, start: start)
        return response
    }

    private func record(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.observe(route: route, method: request.method.rawValue, status: status, duration: duration)
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "route": "\(route)",
            "status": "\(status)", "ms": "\(Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)",
        ])
    }
}
