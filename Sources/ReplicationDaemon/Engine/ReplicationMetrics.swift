import Prometheus
package import ReplicationCore
import Synchronization

/// Gerrit's replication metrics (docs/gerrit-behaviour.md, "Metrics") plus the queue's and the
/// URLs' health, rendered by `GET /metrics`, every family with its HELP text (the unit named there
/// where the name keeps Gerrit's). Metric objects are created once per label set and cached by the
/// registry.
package final class ReplicationMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let cache = Mutex<[String: Remote]>([:])
    private let oldestPendingGauge: Gauge
    private let storeUpGauge: Gauge

    private static let durationBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900),
    ]

    package init(version: String = ReplicatorVersion.text) {
        self.oldestPendingGauge = self.registry.makeGauge(
            descriptor: Self.family(
                "replication_oldest_pending_seconds",
                "Age in seconds of the oldest event not yet replicated everywhere."
            )
        )
        self.storeUpGauge = self.registry.makeGauge(
            descriptor: Self.family(
                "replicator_store_up",
                "1 while the task store answers, 0 while it fails or stalls (/healthz is 503 then)."
            )
        )
        self.registry.makeGauge(
            descriptor: Self.family(
                "replicator_build_info",
                "Always 1; the running Replicator's version in its label."
            ),
            labels: [("version", version)]
        ).set(1.0)
    }

    /// A family's name (kept as it is: several are Gerrit's) and its HELP text.
    private static func family(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The Prometheus text exposition of every metric.
    package func render() -> String {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    package func pushStarted(remote: String, delay: Duration, retries: Int) {
        let metrics = self.metrics(for: remote)
        metrics.delay.record(delay)
        metrics.retries.record(Double(retries))
    }

    /// A push's end: its result, duration and refs by outcome (a held push's refs as `held`).
    package func pushFinished(
        remote: String,
        result: PushAttemptResult.Kind,
        latency: Duration,
        refOutcomes: [String: Int]
    ) {
        self.metrics(for: remote).latency.record(latency)
        self.registry.makeCounter(
            descriptor: Self.family(
                "replication_pushes_total",
                "Push attempts by result (ok, rejected, blocked, transient, permanent, update-ref-failed, …)."
            ),
            labels: [("remote", remote), ("result", result.rawValue)]
        ).increment()
        for (status, count) in refOutcomes where count > 0 {
            self.registry.makeCounter(
                descriptor: Self.family(
                    "replication_ref_updates_total",
                    "Planned ref updates by outcome: ok, up-to-date, rejected, failed, held (maxDeletions)."
                ),
                labels: [("remote", remote), ("status", status)]
            ).increment(by: Int64(count))
        }
    }

    /// One POST of a replication event to a webhook: `accepted` (2xx) or `failed` (to be retried).
    package func webhookPosted(webhook: String, accepted: Bool) {
        self.registry.makeCounter(
            descriptor: Self.family(
                "replication_webhook_posts_total",
                "POSTs of replication events to each replicator.webhook, by result (accepted: 2xx)."
            ),
            labels: [("webhook", Credentials.redact(webhook)), ("result", accepted ? "accepted" : "failed")]
        ).increment()
    }

    /// A remote's queue and its URLs' health: pending and running pushes, URLs whose last push
    /// failed (retrying, or failing permanently and probed), pushes held by `maxDeletions`.
    package func queue(remote: String, depth: Int, inFlight: Int, failing: Int, held: Int) {
        let metrics = self.metrics(for: remote)
        metrics.depth.set(Double(depth))
        metrics.inFlight.set(Double(inFlight))
        metrics.failing.set(Double(failing))
        metrics.held.set(Double(held))
    }

    package func oldestPending(seconds: Double) {
        self.oldestPendingGauge.set(seconds)
    }

    package func store(up: Bool) {
        self.storeUpGauge.set(up ? 1.0 : 0.0)
    }

    /// A remote's drift from its targets' last verifies (`replication_drift_refs{remote,kind}`) and
    /// the oldest of their verify times (`replication_last_verified_timestamp_seconds{remote}`,
    /// seconds since 1970: alert on `time() - … > 2 * interval`; also under its earlier name).
    package func drift(remote: String, refs: [RefDrift.Kind: Int], oldestVerified: Double) {
        for kind in RefDrift.Kind.allCases {
            self.registry.makeGauge(
                descriptor: Self.family(
                    "replication_drift_refs",
                    "Refs that differed at each target's last verify, summed over the remote, by kind."
                ),
                labels: [("remote", remote), ("kind", kind.rawValue)]
            ).set(Double(refs[kind] ?? 0))
        }
        self.registry.makeGauge(
            descriptor: Self.family(
                "replication_last_verified_timestamp_seconds",
                "Oldest last-verify time of the remote's targets, in seconds since 1970."
            ),
            labels: [("remote", remote)]
        ).set(oldestVerified)
        self.registry.makeGauge(
            descriptor: Self.family(
                "replication_last_verified_seconds",
                "Deprecated name of replication_last_verified_timestamp_seconds (seconds since 1970)."
            ),
            labels: [("remote", remote)]
        ).set(oldestVerified)
    }

    private struct Remote {
        var latency: DurationHistogram
        var delay: DurationHistogram
        var retries: ValueHistogram
        var depth: Gauge
        var inFlight: Gauge
        var failing: Gauge
        var held: Gauge
    }

    private func metrics(for remote: String) -> Remote {
        self.cache.withLock { cache in
            if let cached = cache[remote] { return cached }
            let labels = [("remote", remote)]
            let gauge = { (name: String, help: String) in
                self.registry.makeGauge(descriptor: Self.family(name, help), labels: labels)
            }
            let made = Remote(
                latency: self.registry.makeDurationHistogram(
                    descriptor: Self.family(
                        "replication_latency",
                        "Push durations in seconds, start to end (Gerrit's replication_latency)."
                    ),
                    labels: labels,
                    buckets: Self.durationBuckets
                ),
                delay: self.registry.makeDurationHistogram(
                    descriptor: Self.family(
                        "replication_delay",
                        "Seconds from a push's oldest event to its start, retry waits included (Gerrit's)."
                    ),
                    labels: labels,
                    buckets: Self.durationBuckets
                ),
                retries: self.registry.makeValueHistogram(
                    descriptor: Self.family(
                        "replication_retries",
                        "Retries a push had had when it started (Gerrit's replication_retries)."
                    ),
                    labels: labels,
                    buckets: [0, 1, 2, 3, 5, 10, 20, 50]
                ),
                depth: gauge("replication_queue_depth", "Pending pushes of the remote."),
                inFlight: gauge("replication_in_flight", "Running pushes of the remote."),
                failing: gauge(
                    "replication_failing_urls",
                    "Project URLs of the remote whose last push failed (retrying, or failing and probed)."
                ),
                held: gauge("replication_held_pushes", "Pushes of the remote held by maxDeletions until allowed.")
            )
            cache[remote] = made
            return made
        }
    }
}
