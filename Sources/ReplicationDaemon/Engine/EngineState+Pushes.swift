import Logging
package import ReplicationCore

extension EngineState {
    // MARK: Planning

    /// Turns claimed events into queued work: each event's targets under the current configuration,
    /// less those it already reached. Events for no target are done at once.
    mutating func plan(_ events: [StoredEvent], matches: ProjectMatches, now: Now) -> [Action] {
        let expansion = EventExpansion(configuration: self.configuration) { matches.replicates($0, $1) }
        self.wall = now.wall
        var actions: [Action] = []
        var notices: [ReplicationNotice] = []
        var planned: [Int64: Int] = [:]
        var empty: [Int64] = []
        for stored in events {
            if let only = self.options.onlyEvents, !only.contains(stored.id) { continue }
            // Already planned (read again after a lost claim answer).
            if self.remaining[stored.id] != nil { continue }
            let expanded = expansion.expand(stored.event, rotation: &self.urlRotation)
            for (remote, ref, reason) in expanded.skipped {
                let metadata: Logger.Metadata = [
                    "replication.event": "\(stored.id)", "replication.remote": "\(remote)",
                    "replication.ref": "\(ref)", "replication.reason": "\(reason)",
                ]
                actions.append(.log(.init(.debug, "Event ref not replicated", metadata)))
            }
            let targets = expanded.targets.filter { !stored.delivered.contains($0.target) }
            if stored.wantsOutcomes { planned[stored.id] = targets.count }
            guard !targets.isEmpty else {
                empty.append(stored.id)
                self.noticeSubjects[stored.id] = nil
                actions.append(.log(.init(.debug, "Event concerns no remote", ["replication.event": "\(stored.id)"])))
                continue
            }
            self.remaining[stored.id] = Set(targets.map(\.target))
            self.storedAt[stored.id] = stored.storedAt
            notices += self.scheduledNotices(stored, targets: targets, nodesCount: expanded.targets.count)
            let createdAt = now.instant.advanced(by: .seconds(min(0, stored.storedAt - now.wall)))
            for (target, work) in targets {
                let enqueued = self.queue.enqueue(
                    work,
                    for: target,
                    events: [stored.id],
                    createdAt: createdAt,
                    immediately: stored.event.immediately,
                    startingDue: false,
                    now: now.instant
                )
                actions += enqueued.flatMap { self.handle($0, now: now.instant) }
            }
            let metadata: Logger.Metadata = [
                "replication.event": "\(stored.id)", "replication.targets": "\(targets.count)",
            ]
            actions.append(.log(.init(.debug, "Event planned", metadata)))
        }
        let writes: [StoreWrite] =
            (planned.isEmpty ? [] : [.planned(planned)]) + (empty.isEmpty ? [] : [.completed(empty)])
        if !writes.isEmpty { actions.append(.apply(writes)) }
        if self.options.stopWhenReported { self.reported.formUnion(empty) }
        // Scheduled before any of these pushes can report.
        return self.publishing(notices) + actions
    }

    /// Starts what is due (nothing more once the drain period is over).
    mutating func wakeUp(_ now: Instant) -> [Action] {
        if let shutdown, now >= shutdown.drainUntil { return [] }
        return self.queue.wakeUp(now: now).flatMap { self.handle($0, now: now) }
    }

    // MARK: Pushes

    /// The store answered a push's start: `held == false` when another node took its project over
    /// (this node stalled past its lease): the push must not run, and everything this node had for
    /// the project goes.
    /// The store's answer to a push start: `true` this node holds the project, `false` another node
    /// took it over, `nil` the store did not answer (a read-only standby, a cut connection). Only
    /// `true` lets the push run: an unanswered check is never taken for "held".
    package mutating func pushStartRecorded(_ task: Queue.Task, held: Bool?, epoch: Int64 = 0, now: Now) -> [Action] {
        guard let held else {
            self.queue.postpone(task.id, until: now.instant.advanced(by: Self.unconfirmedStartDelay))
            var metadata = Self.metadata(of: task)
            metadata["replication.retryIn"] = "\(Self.unconfirmedStartDelay)"
            return [
                .log(.init(.warning, "Cannot confirm that this node holds the project; the push waits", metadata))
            ]
        }
        guard held else {
            self.queue.abandon(task.id, project: task.target.project)
            for (id, targets) in self.remaining where targets.contains(where: { $0.project == task.target.project }) {
                self.remaining[id] = nil
                self.storedAt[id] = nil
                self.noticeSubjects[id] = nil
            }
            let metadata: Logger.Metadata = ["replication.project": "\(task.target.project)"]
            return [.log(.init(.warning, "Another node took this project over; leaving it", metadata))]
        }
        self.runningPushes[task.id] = (now.instant, epoch)
        self.wall = now.wall
        var task = task
        task.work.recentDeletions = self.recentDeletions(at: task.target, now: now.instant)
        var metadata = Self.metadata(of: task)
        metadata["replication.work"] = "\(task.work.summary(limit: self.configuration.gerrit.maxRefsToLog))"
        return [
            .measurePushStart(
                remote: task.target.remote,
                delay: task.createdAt.duration(to: now.instant),
                retries: task.retries
            ),
            .log(.init(.info, "Replication started", metadata)),
            .runPush(task),
        ]
    }

    /// How long a push whose start the store could not confirm waits before it asks again.
    package static var unconfirmedStartDelay: Duration { .seconds(5) }

    package mutating func pushFinished(_ task: Queue.Task, outcome: PushOutcome, now: Now) -> [Action] {
        let running = self.runningPushes.removeValue(forKey: task.id)
        let started = running?.since ?? now.instant
        self.wall = now.wall
        let result = outcome.attemptResult
        self.logDeletions(outcome, at: task.target, now: now.instant)
        var actions: [Action] = [
            .apply([.pushEnded(task.target, node: self.options.nodeName, epoch: running?.epoch ?? 0)]),
            .measurePushEnd(
                remote: task.target.remote,
                result: result.kind,
                latency: started.duration(to: now.instant),
                refs: outcome.refOutcomeLabels
            ),
        ]
        let repeated = Self.isRepeat(result, after: self.queue.health[task.target.url])
        actions += Self.audit(
            task,
            outcome,
            result: result,
            duration: started.duration(to: now.instant),
            repeated: repeated
        ).map(Action.log)
        actions += self.recordOutcome(of: task, outcome, result: result)
        let statuses = outcome.refStatuses(for: task.work)
        if !statuses.isEmpty { actions.append(.apply([.refStatuses(task.target, statuses, at: now.wall)])) }
        actions += self.queue.pushFinished(task.id, result: result, now: now.instant).flatMap {
            self.handle($0, now: now.instant, finished: (task.id, statuses))
        }
        let last = self.lastPush(task.target, result: result, took: started.duration(to: now.instant), now: now)
        self.lastPushes[task.target.url] = last
        actions.append(.apply([.lastPush(last)]))
        return Self.batchingWrites(actions) + self.wakeUp(now.instant)
    }

    /// `actions` with their store writes gathered into one ``EngineAction/apply(_:)``, where the first
    /// of them was: a push's end is one transaction (its notices in it), durable before the URL's
    /// next push starts.
    static func batchingWrites(_ actions: [Action]) -> [Action] {
        var writes: [StoreWrite] = []
        var others: [Action] = []
        var position: Int?
        for action in actions {
            guard case .apply(let some) = action else {
                others.append(action)
                continue
            }
            writes += some
            position = position ?? others.count
        }
        guard let position else { return actions }
        others.insert(.apply(writes), at: position)
        return others
    }

    /// The URL's last push as the queue's health now says, in wall time; what a previous run
    /// left in the store fills in what this run has not seen (the last success, the count).
    private func lastPush(_ target: PushTarget, result: PushAttemptResult, took: Duration, now: Now) -> LastPush {
        let health = self.queue.health[target.url] ?? TargetHealth()
        let before = self.restoredPushes[target.url]
        let wall = { (instant: Instant) in now.wall - instant.duration(to: now.instant).seconds }
        let failure = health.lastFailure.map { failure in
            LastPush.Failure(
                at: wall(failure.at),
                result: failure.result.kind,
                code: failure.result.code,
                message: failure.result.message ?? ""
            )
        }
        let carried = health.lastSuccess == nil ? before?.consecutiveFailures ?? 0 : 0
        return LastPush(
            target: target,
            finishedAt: now.wall,
            durationSeconds: took.seconds,
            result: result.kind,
            lastSuccessAt: health.lastSuccess.map(wall) ?? before?.lastSuccessAt,
            lastFailure: failure ?? before?.lastFailure,
            consecutiveFailures: health.consecutiveFailures + (health.consecutiveFailures > 0 ? carried : 0),
            isFailed: health.isFailed,
            refused: health.lastRefusal,
            blocked: health.lastBlocked
        )
    }

    /// Refs deleted at `target`'s URL within its remote's `maxDeletionsWindow` (0 when it has none).
    private mutating func recentDeletions(at target: PushTarget, now: Instant) -> Int {
        guard let window = self.configuration.remote(named: target.remote)?.maxDeletionsWindow, window > .zero else {
            return 0
        }
        let kept = (self.deletionLog[target.url] ?? []).filter { $0.at.duration(to: now) < window }
        self.deletionLog[target.url] = kept.isEmpty ? nil : kept
        return kept.reduce(0) { $0 + $1.count }
    }

    private mutating func logDeletions(_ outcome: PushOutcome, at target: PushTarget, now: Instant) {
        let deleted = outcome.report?.results.count { $0.update.action == .delete && $0.status == .ok } ?? 0
        if deleted > 0 { self.deletionLog[target.url, default: []].append((now, deleted)) }
    }

    private mutating func recordOutcome(of task: Queue.Task, _ outcome: PushOutcome, result: PushAttemptResult)
        -> [Action]
    {
        let wanting = task.events.filter { self.options.onlyEvents?.contains($0) ?? true }.sorted()
        let record = PushOutcomeRecord(target: task.target, result: result.kind, outcome: outcome)
        // Only `start --wait`'s own engine stops on first attempts; a daemon keeps no such record.
        if self.options.stopWhenReported {
            for id in wanting {
                self.attempted[id, default: []].insert(task.target)
                if let remaining = self.remaining[id], remaining.isSubset(of: self.attempted[id] ?? []) {
                    self.reported.insert(id)
                }
            }
        }
        return [.apply([.outcome(record, events: wanting)])]
    }

    /// What a queue action means for the store and the log; `finished` is the push that just
    /// ended, with its refs' statuses (a delivery reports them).
    private mutating func handle(
        _ action: Queue.Action,
        now: Instant,
        finished: (id: Int, statuses: [RefStatus])? = nil
    ) -> [Action] {
        switch action {
        case .startPush(let task):
            return [.recordPushStart(task)]
        case .held(let task, let reason, let deletions):
            var metadata = Self.metadata(of: task)
            metadata["replication.deletions"] = "\(deletions)"
            metadata["replication.reason"] = "\(reason)"
            metadata["replication.release"] = "\(task.target.allowDeletionsCommand)"
            self.heldInStore.insert(task.target)
            return [
                .log(.init(.warning, "Push held by maxDeletions; it stays queued until allowed", metadata)),
                .apply([.held(task.target, deletions: deletions, reason: reason)]),
            ]
        case .joinedHeld(let task, let reason, let deletions):
            let outcome = PushOutcome(error: .init(code: .held, message: reason))
            return self.recordOutcome(of: task, outcome, result: .blocked(reason, deletions: deletions))
        case .delivered(let task, let result, let gaveUp):
            var actions: [Action] = []
            if gaveUp {
                var metadata = Self.metadata(of: task)
                metadata["replication.result"] = "\(result.kind.rawValue)"
                metadata["error"] = "\(result.message ?? "")"
                actions.append(.log(.init(.error, "Giving up on replication", metadata)))
            }
            let statuses = finished.flatMap { $0.id == task.id ? $0.statuses : nil } ?? []
            let replicated = ReplicationNotice.replicated(
                task.work,
                to: task.target,
                result: result.kind,
                statuses: statuses,
                at: self.noticeSeconds
            )
            return actions + self.delivered(task, notices: replicated)
        case .retryScheduled(let task, let result, let at):
            // The reason is on the push's own line just before (once per change of state).
            var metadata = Self.metadata(of: task)
            metadata["replication.result"] = "\(result.kind.rawValue)"
            metadata["replication.retry.in"] = "\(now.duration(to: at))"
            return [.log(.init(.warning, "Replication failed; will retry", metadata))]
        case .targetFailed(let target, let result):
            let metadata: Logger.Metadata = [
                "replication.remote": "\(target.remote)", "replication.url": "\(target.url)",
                "error": "\(result.message ?? "")",
            ]
            return [.log(.init(.error, "Mirror failing permanently; probing it again with backoff", metadata))]
        case .targetRecovered(let target):
            let metadata: Logger.Metadata = [
                "replication.remote": "\(target.remote)", "replication.url": "\(target.url)",
            ]
            return [.log(.init(.notice, "Mirror recovered", metadata))]
        }
    }

    /// `target` has the task's events: those it was the last target of leave the store, and are
    /// announced done after the task's own `notices`.
    private mutating func delivered(_ task: Queue.Task, notices: [ReplicationNotice]) -> [Action] {
        var actions: [Action] = []
        if self.heldInStore.remove(task.target) != nil {
            actions.append(.apply([.held(task.target, deletions: 0, reason: nil)]))
        }
        var completed: [Int64] = []
        for id in task.events.sorted() {
            self.remaining[id]?.remove(task.target)
            if self.remaining[id]?.isEmpty == true {
                self.remaining[id] = nil
                self.storedAt[id] = nil
                self.attempted[id] = nil
                completed.append(id)
            }
        }
        // Two writes in the push end's one transaction, in this order: one list of both copied the
        // refs' notices (14 MB for 100,000 refs).
        return actions + self.publishing(notices) + self.publishing(self.doneNotices(completed))
            + [.apply([.delivery(events: task.events.sorted(), target: task.target, completed: completed)])]
    }

    // MARK: Shutdown

    /// Stop taking events; pending pushes due within `drainQueueAttempts` × `replicationDelay` still
    /// run, running ones get `drainTimeout`. Whatever does not finish stays in the store.
    package mutating func beginShutdown(now: Instant) -> [Action] {
        guard self.shutdown == nil else { return [] }
        let drain = self.configuration.remotes.map { $0.replicationDelay * $0.drainQueueAttempts }.max() ?? .zero
        self.shutdown = Shutdown(
            drainUntil: now.advanced(by: drain),
            stopBy: now.advanced(by: drain + self.options.drainTimeout)
        )
        let metadata: Logger.Metadata = [
            "replication.running": "\(self.queue.running.count)",
            "replication.pending": "\(self.queue.pending.count)",
        ]
        // What is due now still starts, even with no drain period.
        let due = self.queue.wakeUp(now: now).flatMap { self.handle($0, now: now) }
        return [.log(.init(.notice, "Shutting down: draining", metadata))] + due
    }
}
