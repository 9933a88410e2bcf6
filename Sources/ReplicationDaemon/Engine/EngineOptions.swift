import Foundation
package import ReplicationCore

/// How the engine runs, beyond the replication configuration.
package struct EngineOptions: Sendable {
    /// How often the store is read for events that other processes added (`notify`, hooks, `start`).
    package var pollInterval: Duration = .milliseconds(200)
    /// How long running pushes may take to finish after a shutdown request before they are stopped
    /// (their events stay queued).
    package var drainTimeout: Duration = .seconds(30)
    /// Only these events are taken (`start --wait` without a daemon); `nil` takes every event.
    package var onlyEvents: Set<Int64>?
    /// Stop once every event of ``onlyEvents`` has reported a first attempt.
    package var stopWhenReported = false
    /// Where `start --wait`'s own engine hands its first outcomes over whole (``OutcomeHandoff``).
    package var outcomeHandoff: OutcomeHandoff?
    /// Pending work older than this makes `/healthz/caught-up` fail.
    package var caughtUpThreshold: Duration = .seconds(300)

    /// This engine's name in a shared store (claims, `/status`); unique per process.
    package var nodeName = EngineOptions.defaultNodeName()
    /// How often claims in a shared store are renewed (a third of the store's lease time).
    package var leaseRenewInterval: Duration = .seconds(5)

    /// Publish the status (`/status`, health checks, `wait`) and the queue gauges. `start --wait`'s
    /// own engine serves neither: there a publication only cost time (each one shares the state's
    /// tables with its deferred status, so the next push's end copied them, and every tick
    /// computed a status for the gauges).
    package var publishesStatus = true

    /// Store Gerrit's replication events (``ReplicationNotice``) as pushes are queued and done.
    package var publishesNotices = true

    package init() {}

    /// The options `configuration`'s daemon keys set (`caughtUpThreshold`, `drainTimeout`, `leaseTimeout`).
    package init(for configuration: ReplicationConfiguration) {
        self.caughtUpThreshold = configuration.daemon.caughtUpThreshold
        self.drainTimeout = configuration.daemon.drainTimeout
        self.leaseRenewInterval = configuration.daemon.leaseTimeout / 3
    }

    /// `HOST:PID`.
    package static func defaultNodeName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
