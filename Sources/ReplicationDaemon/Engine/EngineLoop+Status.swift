import Foundation
import ReplicationCore

extension EngineLoop {
    /// Publishes `/status` and the queue gauges.
    func publishStatus() {
        let now = ContinuousClock.now
        let wallNow = Date()
        let oldestStored = self.storeSummary.map { $0.oldestStoredAt } ?? self.storedAt.values.min()
        let oldest = oldestStored.map { wallNow.timeIntervalSince1970 - $0 }
        var status = DaemonStatus(
            ready: self.storeError == nil,
            caughtUp: self.storeError == nil && (oldest ?? 0) <= self.options.caughtUpThreshold.seconds,
            pendingEvents: self.storeSummary?.pendingEvents ?? self.pendingEvents,
            oldestPendingSeconds: oldest,
            remotes: self.remoteStatuses(now: now, wallNow: wallNow)
        )
        status.storeError = self.storeError
        status.unreadableEvents = self.storeSummary?.unreadableEvents
        status.configurationLoadedAt = Self.timestamp(self.configurationLoadedAt)
        status.configurationError = self.configurationError
        status.node = self.options.nodeName
        status.cluster = self.cluster
        status.held = self.queue.held.values.map { held in
            let target = held.task.target
            return DaemonStatus.Held(
                remote: target.remote,
                project: target.project,
                url: target.url,
                deletions: held.deletions,
                reason: held.reason,
                events: held.task.events.count,
                release: "replicator allow-deletions \(target.project) --remote \(target.remote)"
            )
        }.sorted { ($0.project, $0.remote, $0.url) < ($1.project, $1.remote, $1.url) }
        self.statusBoard.publish(status)
        self.metrics.oldestPending(seconds: oldest ?? 0)
        for remote in status.remotes {
            self.metrics.queue(remote: remote.name, depth: remote.queueDepth, inFlight: remote.inFlight)
        }
    }

    /// Grouped by remote once: the status is published every tick, with thousands of tasks.
    private func remoteStatuses(now: ContinuousClock.Instant, wallNow: Date) -> [DaemonStatus.Remote] {
        let pending = Dictionary(grouping: self.queue.pending.values, by: \.target.remote)
        let running = Dictionary(grouping: self.queue.running.values, by: \.target.remote)
        let idle = Dictionary(grouping: self.queue.health.values.compactMap(\.target), by: \.remote)
        return self.configuration.remotes.map { remote in
            self.status(
                of: remote,
                pending: pending[remote.name] ?? [],
                running: running[remote.name] ?? [],
                known: idle[remote.name] ?? [],
                now: now,
                wallNow: wallNow
            )
        }
    }

    private func status(
        of remote: RemoteConfiguration,
        pending: [Queue.Task],
        running: [Queue.Task],
        known: [PushTarget],
        now: ContinuousClock.Instant,
        wallNow: Date
    ) -> DaemonStatus.Remote {
        var targets: [PushTarget: DaemonStatus.Target] = [:]
        let wall = { (instant: ContinuousClock.Instant) in
            Self.timestamp(wallNow.addingTimeInterval(-(now - instant).seconds))
        }
        for task in pending + running {
            targets[task.target] = targets[task.target] ?? self.target(task.target, wall: wall)
        }
        for task in pending {
            targets[task.target]?.pending = Self.summary(task, now: now, limit: self.configuration.gerrit.maxRefsToShow)
            targets[task.target]?.state = task.isRetrying ? "retrying" : "pending"
        }
        for task in running {
            targets[task.target]?.inFlight = Self.summary(
                task,
                now: now,
                limit: self.configuration.gerrit.maxRefsToShow
            )
            targets[task.target]?.state = "running"
        }
        for task in self.queue.held.values.map(\.task) where task.target.remote == remote.name {
            targets[task.target] = targets[task.target] ?? self.target(task.target, wall: wall)
            targets[task.target]?.pending = Self.summary(task, now: now, limit: self.configuration.gerrit.maxRefsToShow)
            targets[task.target]?.state = "held"
        }
        let busyURLs = Set(targets.keys.map(\.url))
        for target in known where !busyURLs.contains(target.url) {
            targets[target] = self.target(target, wall: wall)
        }
        return DaemonStatus.Remote(
            name: remote.name,
            urls: remote.urls.map(\.text),
            threads: remote.threads,
            queueDepth: pending.count,
            inFlight: running.count,
            oldestPendingSeconds: pending.map { (now - $0.createdAt).seconds }.max(),
            targets: targets.values.sorted { ($0.url, $0.project) < ($1.url, $1.project) }
        )
    }

    private func target(_ target: PushTarget, wall: (ContinuousClock.Instant) -> String) -> DaemonStatus.Target {
        let health = self.queue.health[target.url] ?? TargetHealth()
        return DaemonStatus.Target(
            project: target.project,
            url: target.url,
            state: health.isFailed ? "failed" : "idle",
            lastSuccess: health.lastSuccess.map(wall),
            lastError: health.lastFailure.map { failure in
                DaemonStatus.Failure(
                    at: wall(failure.at),
                    class: failure.result.label,
                    code: failure.result.code,
                    message: failure.result.message ?? ""
                )
            },
            consecutiveFailures: health.consecutiveFailures,
            blocked: health.lastBlocked
        )
    }

    private static func summary(_ task: Queue.Task, now: ContinuousClock.Instant, limit: Int) -> DaemonStatus.Task {
        DaemonStatus.Task(
            id: task.id,
            work: task.work.summary(limit: max(limit, 2)),
            events: task.events.count,
            retries: task.retries + task.updateRefRetries + task.probes,
            ageSeconds: (now - task.createdAt).seconds,
            startsInSeconds: task.dueAt > now ? (task.dueAt - now).seconds : nil
        )
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension PushAttemptResult {
    var code: String? {
        switch self {
        case .transientFailure(let code, _), .permanentFailure(let code, _): code
        default: nil
        }
    }
}
