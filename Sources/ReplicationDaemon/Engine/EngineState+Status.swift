import Foundation
import ReplicationCore

extension EngineState {
    /// What `/status` says now.
    package func status(at now: Now) -> DaemonStatus {
        let oldestStored = self.storeSummary.map { $0.oldestStoredAt } ?? self.storedAt.values.min()
        let oldest = oldestStored.map { now.wall - $0 }
        var status = DaemonStatus(
            ready: self.storeError == nil,
            caughtUp: self.storeError == nil && (oldest ?? 0) <= self.options.caughtUpThreshold.seconds,
            pendingEvents: self.storeSummary?.pendingEvents ?? self.pendingEvents,
            oldestPendingSeconds: oldest,
            remotes: self.remoteStatuses(now: now)
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
                release: target.allowDeletionsCommand
            )
        }.sorted { ($0.project, $0.remote, $0.url) < ($1.project, $1.remote, $1.url) }
        return status
    }

    /// Grouped by remote once: the status is published every tick, with thousands of tasks.
    private func remoteStatuses(now: Now) -> [DaemonStatus.Remote] {
        let pending = Dictionary(grouping: self.queue.pending.values, by: \.target.remote)
        let running = Dictionary(grouping: self.queue.running.values, by: \.target.remote)
        // URLs pushed since the start, and those only a previous run pushed (from the store).
        let pushedHere = self.queue.health.values.compactMap(\.target)
        let seenHere = Set(pushedHere.map(\.url))
        let before = self.lastPushes.values.map(\.target).filter { !seenHere.contains($0.url) }
        let idle = Dictionary(grouping: pushedHere + before, by: \.remote)
        return self.configuration.remotes.map { remote in
            self.status(
                of: remote,
                pending: pending[remote.name] ?? [],
                running: running[remote.name] ?? [],
                known: idle[remote.name] ?? [],
                now: now
            )
        }
    }

    private func status(
        of remote: RemoteConfiguration,
        pending: [Queue.Task],
        running: [Queue.Task],
        known: [PushTarget],
        now: Now
    ) -> DaemonStatus.Remote {
        var targets: [PushTarget: DaemonStatus.Target] = [:]
        let wall = { (instant: Instant) in Self.timestamp(now.wall - instant.duration(to: now.instant).seconds) }
        let limit = self.configuration.gerrit.maxRefsToShow
        let instant = now.instant
        for task in pending + running {
            targets[task.target] = targets[task.target] ?? self.target(task.target, wall: wall)
        }
        for task in pending {
            targets[task.target]?.pending = Self.summary(task, now: instant, limit: limit)
            targets[task.target]?.state = task.isRetrying ? .retrying : .pending
        }
        for task in running {
            targets[task.target]?.inFlight = Self.summary(task, now: instant, limit: limit)
            targets[task.target]?.state = .running
        }
        for task in self.queue.held.values.map(\.task) where task.target.remote == remote.name {
            targets[task.target] = targets[task.target] ?? self.target(task.target, wall: wall)
            targets[task.target]?.pending = Self.summary(task, now: instant, limit: limit)
            targets[task.target]?.state = .held
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
            oldestPendingSeconds: pending.map { $0.createdAt.duration(to: instant).seconds }.max(),
            targets: targets.values.sorted { ($0.url, $0.project) < ($1.url, $1.project) }
        )
    }

    private func target(_ target: PushTarget, wall: @escaping (Instant) -> String) -> DaemonStatus.Target {
        guard let health = self.queue.health[target.url] else {
            return Self.target(target, before: self.lastPushes[target.url])
        }
        return DaemonStatus.Target(
            project: target.project,
            url: target.url,
            state: health.isFailed ? .failed : .idle,
            lastSuccess: health.lastSuccess.map(wall),
            lastError: health.lastFailure.map { failure in
                DaemonStatus.Failure(
                    at: wall(failure.at),
                    class: failure.result.kind,
                    code: failure.result.code?.rawValue,
                    message: failure.result.message ?? ""
                )
            },
            consecutiveFailures: health.consecutiveFailures,
            blocked: health.lastBlocked,
            lastPushSeconds: self.lastPushes[target.url]?.durationSeconds,
            refused: health.lastRefusal
        )
    }

    /// A URL not pushed since the start: as its last push left it (`before`, from the store).
    private static func target(_ target: PushTarget, before: LastPush?) -> DaemonStatus.Target {
        DaemonStatus.Target(
            project: target.project,
            url: target.url,
            state: before?.isFailed == true ? .failed : .idle,
            lastSuccess: before?.lastSuccessAt.map(Self.timestamp),
            lastError: before?.lastFailure.map { failure in
                DaemonStatus.Failure(
                    at: Self.timestamp(failure.at),
                    class: failure.result,
                    code: failure.code?.rawValue,
                    message: failure.message
                )
            },
            consecutiveFailures: before?.consecutiveFailures ?? 0,
            blocked: before?.blocked,
            lastPushSeconds: before?.durationSeconds,
            refused: before?.refused
        )
    }

    private static func summary(_ task: Queue.Task, now: Instant, limit: Int) -> DaemonStatus.Task {
        DaemonStatus.Task(
            id: task.id,
            work: task.work.summary(limit: limit),
            events: task.events.count,
            retries: task.retries + task.updateRefRetries + task.probes,
            ageSeconds: task.createdAt.duration(to: now).seconds,
            startsInSeconds: task.dueAt > now ? now.duration(to: task.dueAt).seconds : nil
        )
    }

    /// ISO 8601, from seconds since 1970.
    static func timestamp(_ wall: Double) -> String {
        ISO8601Time.text(secondsSince1970: wall)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
