/// The scheduler's state machine: pending and running pushes per target, Gerrit's coalescing and
/// retry rules (docs/gerrit-behaviour.md, "Scheduling and retries"), minus its polling. Pure: callers pass `now` and carry out
/// the returned actions; one loop owns the value.
///
/// - Pending work for a target merges for `replicationDelay` (the delay is not extended).
/// - At most one push per URL runs; work arriving meanwhile waits for it, then runs (no polling).
/// - At most `threads` pushes per remote run; remotes never wait for each other.
/// - Transient failures retry with a growing backoff up to `maxRetries`; update-ref failures up to
///   `updateRefErrorMaxRetries`; per-ref refusals are final; permanent failures mark the URL failed
///   (reported once) and probe it again with the same backoff, forever.
/// - A push blocked by `maxDeletions` is held with its events: later work for the URL joins it, and
///   it runs again only when work that allows mass deletion arrives (a person said so).
package struct ReplicationQueue<Instant: InstantProtocol>: Sendable
where Instant: Sendable, Instant.Duration == Duration {
    package typealias Task = PushTask<Instant>

    package enum Action: Hashable, Sendable {
        /// Run this push now; report with ``pushFinished(_:result:now:)``.
        case startPush(Task)
        /// The task's events reached its target (or were refused there, or given up on).
        case delivered(Task, PushAttemptResult, gaveUp: Bool)
        /// The attempt failed and the task waits for another one.
        case retryScheduled(Task, PushAttemptResult, at: Instant)
        /// The URL entered the failed state (reported once, until it recovers).
        case targetFailed(PushTarget, PushAttemptResult)
        /// A URL in the failed state was pushed successfully again.
        case targetRecovered(PushTarget)
        /// The push would delete more than `maxDeletions` refs: held, with its events, until allowed.
        case held(Task, reason: String, deletions: Int)
        /// New events joined a held push (`task` carries only them): they wait with it, and their
        /// first attempt's answer is the hold, now (a `start --wait` must not wait for a release).
        case joinedHeld(Task, reason: String, deletions: Int)
    }

    package private(set) var pending = PendingTasks<Instant>()
    package private(set) var running: [String: Task] = [:]
    /// Pushes held by the mass-deletion guard, waiting for ``PushWork/allowMassDeletion``.
    package private(set) var held: [PushTarget: Held] = [:]

    /// A push the mass-deletion guard stopped, with what it said.
    package struct Held: Hashable, Sendable {
        package var task: Task
        package var reason: String
        package var deletions: Int
    }
    package private(set) var health: [String: TargetHealth<Instant>] = [:]
    private var policies: [String: SchedulingPolicy]
    private var runningPerRemote: [String: Int] = [:]
    private var nextID = 1

    package init(policies: [String: SchedulingPolicy]) {
        self.policies = policies
    }

    /// Replaces the remotes' settings (after a configuration reload).
    package mutating func update(policies: [String: SchedulingPolicy]) {
        self.policies = policies
    }

    /// Forgets a started task and the project's pending work without a result: another node of a
    /// shared store holds the project now and delivers its events.
    package mutating func abandon(_ id: Int, project: String) {
        if let (url, task) = self.running.first(where: { $0.value.id == id }) {
            self.running[url] = nil
            self.runningPerRemote[task.target.remote, default: 1] -= 1
        }
        self.pending.removeAll { $0.project == project }
        self.held = self.held.filter { $0.key.project != project }
    }

    /// Puts a started task back, due at `dueAt`, as if it had not started (no retry is counted): its
    /// start could not be confirmed (the store did not answer whether this node still holds it).
    package mutating func postpone(_ id: Int, until dueAt: Instant) {
        guard let (url, task) = self.running.first(where: { $0.value.id == id }) else { return }
        self.running[url] = nil
        self.runningPerRemote[task.target.remote, default: 1] -= 1
        var postponed = task
        postponed.dueAt = dueAt
        if let waiting = self.pending[task.target] { postponed.absorb(waiting) }
        self.pending[task.target] = postponed
    }

    /// Drops every pending and held task (a reload re-plans the stored events); running pushes go on.
    package mutating func removeAllPending() {
        self.pending.removeAll()
        self.held.removeAll()
    }

    /// Queues work from stored events. Events the running push to the same target already delivers
    /// are ignored (a replay), any other event leads to a push after it. With `startingDue: false`
    /// nothing starts yet: events that arrived together (one request, one hook run) are queued
    /// first and then start as one push with ``wakeUp(now:)``, even with `replicationDelay = 0`.
    package mutating func enqueue(
        _ work: PushWork,
        for target: PushTarget,
        events: Set<Int64>,
        createdAt: Instant,
        immediately: Bool = false,
        startingDue: Bool = true,
        now: Instant
    ) -> [Action] {
        let actions = self.queue(
            work,
            for: target,
            events: events,
            createdAt: createdAt,
            immediately: immediately,
            now: now
        )
        return startingDue ? actions + self.wakeUp(now: now) : actions
    }

    private mutating func queue(
        _ work: PushWork,
        for target: PushTarget,
        events: Set<Int64>,
        createdAt: Instant,
        immediately: Bool,
        now: Instant
    ) -> [Action] {
        let newEvents = events.subtracting(self.running[target.url]?.events ?? [])
        let delay = immediately ? .zero : self.policy(for: target.remote).replicationDelay
        var task = Task(
            id: self.nextID,
            target: target,
            work: work,
            events: newEvents,
            createdAt: createdAt,
            dueAt: now.advanced(by: delay)
        )
        if let held = self.held[target] {
            self.addToHeld(task, now: now)
            guard !work.allowMassDeletion, !newEvents.isEmpty else { return [] }
            return [.joinedHeld(task, reason: held.reason, deletions: held.deletions)]
        }
        if work.isEmpty, work.allowMassDeletion, !newEvents.isEmpty {
            // An allowance with nothing held here (any more): done with its events at once.
            return [.delivered(task, .succeeded, gaveUp: false)]
        }
        guard !newEvents.isEmpty || events.isEmpty, !work.isEmpty else { return [] }
        if var existing = self.pending[target] {
            existing.absorb(task)
            if immediately { existing.dueAt = min(existing.dueAt, now) }
            task = existing
        } else {
            self.nextID += 1
        }
        self.pending[target] = task
        return []
    }

    /// Later work joins a held push; work that allows mass deletion releases it, due at once.
    private mutating func addToHeld(_ task: Task, now: Instant) {
        guard var held = self.held[task.target] else { return }
        held.task.absorb(task)
        guard task.work.allowMassDeletion else {
            self.held[task.target] = held
            return
        }
        self.held[task.target] = nil
        held.task.dueAt = now
        self.pending[task.target] = held.task
    }

    /// Records how a push ended and decides what follows.
    package mutating func pushFinished(_ id: Int, result: PushAttemptResult, now: Instant) -> [Action] {
        guard let (url, task) = self.running.first(where: { $0.value.id == id }) else { return self.wakeUp(now: now) }
        self.running[url] = nil
        self.runningPerRemote[task.target.remote, default: 1] -= 1
        var actions = self.record(result, of: task, now: now)
        actions += self.wakeUp(now: now)
        return actions
    }

    /// Starts every due task that its URL and its remote's `threads` allow, oldest first.
    ///
    /// Called after every enqueue and every outcome: with a full sync of 600 projects queued, most
    /// calls find every remote's threads busy and return after one look per remote with pending
    /// work; the others start a task or two, each found at the head of its remote's due order.
    package mutating func wakeUp(now: Instant) -> [Action] {
        var actions: [Action] = []
        while self.pending.remotes.contains(where: self.hasFreeThread),
            let target = self.oldestStartable(now: now),
            let task = self.pending.removeValue(forKey: target)
        {
            self.running[target.url] = task
            self.runningPerRemote[target.remote, default: 0] += 1
            actions.append(.startPush(task))
        }
        return actions
    }

    /// The due task with the earliest (due time, id) that may start now: the earliest of each
    /// remote's first due task whose URL is free, among remotes with a free thread.
    private mutating func oldestStartable(now: Instant) -> PushTarget? {
        var oldest: PendingTasks<Instant>.Place?
        let running = self.running
        for remote in Array(self.pending.remotes) where self.hasFreeThread(remote) {
            let first = self.pending.firstDue(in: remote, now: now) { running[$0.url] == nil }
            if let first, oldest.map({ first < $0 }) ?? true { oldest = first }
        }
        return oldest?.target
    }

    private func hasFreeThread(_ remote: String) -> Bool {
        self.runningPerRemote[remote, default: 0] < self.policy(for: remote).threads
    }

    private func policy(for remote: String) -> SchedulingPolicy {
        self.policies[remote]
            ?? SchedulingPolicy(
                replicationDelay: .zero,
                replicationRetry: .seconds(60),
                maxRetries: 0,
                updateRefErrorMaxRetries: 0,
                threads: 1
            )
    }
}

extension ReplicationQueue {
    private mutating func record(_ result: PushAttemptResult, of task: Task, now: Instant) -> [Action] {
        var health = self.health[task.target.url] ?? TargetHealth()
        health.target = task.target
        defer { self.health[task.target.url] = health }
        let policy = self.policy(for: task.target.remote)
        var next = task
        switch result {
        case .sourceMissing:
            return [.delivered(task, result, gaveUp: true)]
        case .succeeded, .refsRejected, .blocked:
            switch result {
            case .refsRejected(let refused): health.lastRefusal = refused
            case .succeeded: health.lastRefusal = nil
            default: break
            }
            let wasFailed = health.isFailed
            health.consecutiveFailures = 0
            health.isFailed = false
            let recovered: [Action] = wasFailed ? [.targetRecovered(task.target)] : []
            guard case .blocked(let reason, let deletions) = result else {
                health.lastSuccess = now
                health.lastBlocked = nil
                return [.delivered(task, result, gaveUp: false)] + recovered
            }
            // Reached, but nothing was pushed: a held push is no success.
            health.lastBlocked = reason
            var held = task
            held.work.allowMassDeletion = false
            self.held[task.target] = Held(task: held, reason: reason, deletions: deletions)
            // Work that arrived meanwhile joins it (and releases it, if it allows mass deletion).
            if let waiting = self.pending.removeValue(forKey: task.target) { self.addToHeld(waiting, now: now) }
            return [.held(held, reason: reason, deletions: deletions)] + recovered
        case .updateRefFailed:
            health.note(result, at: now)
            next.updateRefRetries += 1
            if next.updateRefRetries <= policy.updateRefErrorMaxRetries {
                return self.retry(next, after: next.updateRefRetries, result, policy: policy, now: now)
            }
            // Past Gerrit's bound it is retried as any transient failure is (Gerrit gives up): a
            // stale `.lock` on the mirror must not drop the newest value for good.
            next.retries += 1
            guard policy.allowsRetry(after: next.retries) else { return [.delivered(task, result, gaveUp: true)] }
            return self.retry(next, after: next.retries, result, policy: policy, now: now)
        case .transientFailure:
            health.note(result, at: now)
            next.retries += 1
            guard policy.allowsRetry(after: next.retries) else { return [.delivered(task, result, gaveUp: true)] }
            return self.retry(next, after: next.retries, result, policy: policy, now: now)
        case .permanentFailure:
            health.note(result, at: now)
            next.probes += 1
            let firstReport: [Action] = health.isFailed ? [] : [.targetFailed(task.target, result)]
            health.isFailed = true
            return firstReport + self.retry(next, after: next.probes, result, policy: policy, now: now)
        }
    }

    /// Gerrit's `reschedule`: a retry absorbs the work that arrived for the target meanwhile.
    private mutating func retry(
        _ task: Task,
        after failures: Int,
        _ result: PushAttemptResult,
        policy: SchedulingPolicy,
        now: Instant
    ) -> [Action] {
        var retried = task
        retried.dueAt = now.advanced(by: policy.backoff(afterFailures: failures))
        if let waiting = self.pending[task.target] { retried.absorb(waiting) }
        self.pending[task.target] = retried
        return [.retryScheduled(retried, result, at: retried.dueAt)]
    }
}

extension TargetHealth {
    fileprivate mutating func note(_ result: PushAttemptResult, at now: Instant) {
        self.lastFailure = (now, result)
        self.consecutiveFailures += 1
    }
}
