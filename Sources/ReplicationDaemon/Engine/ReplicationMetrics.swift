import CoreMetrics
import Prometheus
package import ReplicationCore
import Synchronization

/// Gerrit's replication metrics (docs/gerrit-behaviour.md, "Metrics") plus the queue's, rendered by `GET /metrics`.
/// Metric objects are created once per remote and cached.
package final class ReplicationMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let cache = Mutex<[String: Remote]>([:])
    private let oldestPendingGauge: CoreMetrics.Gauge

    package init() {
        var factory = PrometheusMetricsFactory(registry: self.registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900),
        ]
        factory.defaultValueHistogramBuckets = [0, 1, 2, 3, 5, 10, 20, 50]
        self.factory = factory
        self.oldestPendingGauge = CoreMetrics.Gauge(label: "replication_oldest_pending_seconds", factory: factory)
    }

    /// The Prometheus text exposition of every metric.
    package func render() -> String {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    package func pushStarted(remote: String, delay: Duration, retries: Int) {
        let metrics = self.metrics(for: remote)
        metrics.delay.recordNanoseconds(delay.nanoseconds)
        metrics.retries.record(retries)
    }

    package func pushFinished(
        remote: String,
        result: PushAttemptResult.Kind,
        latency: Duration,
        refOutcomes: [RefResult.Status: Int]
    ) {
        self.metrics(for: remote).latency.recordNanoseconds(latency.nanoseconds)
        Counter(
            label: "replication_pushes_total",
            dimensions: [("remote", remote), ("result", result.rawValue)],
            factory: self.factory
        )
        .increment()
        for (status, count) in refOutcomes where count > 0 {
            Counter(
                label: "replication_ref_updates_total",
                dimensions: [("remote", remote), ("status", status.rawValue)],
                factory: self.factory
            ).increment(by: count)
        }
    }

    /// One POST of a replication event to a webhook: `accepted` (2xx) or `failed` (to be retried).
    package func webhookPosted(webhook: String, accepted: Bool) {
        Counter(
            label: "replication_webhook_posts_total",
            dimensions: [("webhook", Credentials.redact(webhook)), ("result", accepted ? "accepted" : "failed")],
            factory: self.factory
        ).increment()
    }

    package func queue(remote: String, depth: Int, inFlight: Int) {
        let metrics = self.metrics(for: remote)
        metrics.depth.record(depth)
        metrics.inFlight.record(inFlight)
    }

    package func oldestPending(seconds: Double) {
        self.oldestPendingGauge.record(seconds)
    }

    /// A remote's drift from its targets' last verifies (`replication_drift_refs{remote,kind}`) and
    /// the oldest of their verify times (`replication_last_verified_seconds{remote}`, seconds since
    /// 1970: alert on `time() - replication_last_verified_seconds > 2 * interval`).
    package func drift(remote: String, refs: [RefDrift.Kind: Int], oldestVerified: Double) {
        for kind in RefDrift.Kind.allCases {
            CoreMetrics.Gauge(
                label: "replication_drift_refs",
                dimensions: [("remote", remote), ("kind", kind.rawValue)],
                factory: self.factory
            ).record(refs[kind] ?? 0)
        }
        CoreMetrics.Gauge(
            label: "replication_last_verified_seconds",
            dimensions: [("remote", remote)],
            factory: self.factory
        ).record(oldestVerified)
    }

    private struct Remote {
        var latency: Timer
        var delay: Timer
        var retries: Recorder
        var depth: CoreMetrics.Gauge
        var inFlight: CoreMetrics.Gauge
    }

    private func metrics(for remote: String) -> Remote {
        self.cache.withLock { cache in
            if let cached = cache[remote] { return cached }
            let dimensions = [("remote", remote)]
            let made = Remote(
                latency: Timer(label: "replication_latency", dimensions: dimensions, factory: self.factory),
                delay: Timer(label: "replication_delay", dimensions: dimensions, factory: self.factory),
                retries: Recorder(label: "replication_retries", dimensions: dimensions, factory: self.factory),
                depth: CoreMetrics.Gauge(
                    label: "replication_queue_depth",
                    dimensions: dimensions,
                    factory: self.factory
                ),
                inFlight: CoreMetrics.Gauge(
                    label: "replication_in_flight",
                    dimensions: dimensions,
                    factory: self.factory
                )
            )
            cache[remote] = made
            return made
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
