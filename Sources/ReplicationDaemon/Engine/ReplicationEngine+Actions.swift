import Logging
import ReplicationCore
import Synchronization

extension ReplicationEngine {
    /// Carries out `actions` in order; a read's answer goes back to the state at once, and what
    /// the state decides from it runs before the next action.
    func execute(_ actions: [Action], _ context: inout Context, _ group: inout TaskGroup<Void>) async {
        for action in actions {
            let next = await self.perform(action, &context, &group)
            if !next.isEmpty { await self.execute(next, &context, &group) }
        }
    }

    private func perform(_ action: Action, _ context: inout Context, _ group: inout TaskGroup<Void>) async
        -> [Action]
    {
        let node = self.options.nodeName
        if self.shutdownRequested.load(ordering: .acquiring), action.isRoutineRead { return [] }
        switch action {
        case .claimEvents(let limit, let only):
            do {
                let events = try await self.store.claimEvents(node: node, only: only, limit: limit)
                return context.state.claimed(events, matches: context.matches(events), now: self.now)
            } catch {
                return context.state.claimFailed("\(error)", now: self.now)
            }
        case .readHeldEvents:
            let events = await self.attempt("Cannot read the task store") {
                try await self.store.heldEvents(node: node)
            }
            return context.state.replan(events, matches: context.matches(events ?? []), now: self.now)
        case .checkConfiguration:
            var rejected: String?
            let fresh = self.source?.reloadIfChanged(context.state.configuration) { rejected = $0 }
            if let fresh {
                context.matcher = BoundedProjectMatcher(logger: self.logger)
                self.published.withLock { $0 = fresh }
            }
            return context.state.configurationChecked(fresh, rejected: rejected, now: self.now)
        case .readHeldPushes:
            let held = await self.attempt("Cannot read the held pushes") { try await self.store.heldPushes() }
            context.state.heldPushesRead(held ?? [])
        case .readLastPushes:
            let pushes = await self.attempt("Cannot read the last pushes") { try await self.store.lastPushes() }
            context.state.lastPushesRead(pushes ?? [])
        case .readSummary:
            let summary = await Result { try await self.store.summary() }
            let next = context.state.summaryRead(summary)
            // A store that stopped answering shows in /healthz now, not after the rest of the tick.
            if case .failure = summary { self.publish(context.state) }
            return next
        case .renewLeases:
            let asked = ContinuousClock.now
            let renewal = await Result {
                let held = try await self.store.renewLeases(node: node)
                return (held, try await self.store.cluster())
            }
            guard case .success(let (held, cluster)) = renewal else {
                // Said once per outage: the read-only standby of a failover refuses every second.
                if case .failure(let error) = renewal, context.renewalError == nil {
                    context.renewalError = "\(error)"
                    self.logger.error("Cannot renew claims in the task store", metadata: ["error": "\(error)"])
                }
                break
            }
            if context.renewalError != nil {
                context.renewalError = nil
                self.logger.notice("Claims renewed again")
            }
            for fence in context.fences.values { fence.renewed(held, askedAt: asked) }
            context.state.leasesRenewed(cluster: cluster)
            await self.reconcileOrphans()
        case .recordPushStart(let task):
            let asked = ContinuousClock.now
            // A store that cannot answer is no proof that this node still holds the project.
            let answer = await Result { try await self.store.startPush(task.target, node: node) }
            if case .success(let granted?) = answer {
                let (store, project) = (self.store, task.target.project)
                context.fences[task.id] = PushFence(project: project, lease: granted, askedAt: asked) {
                    try await store.confirmLease(project: project, node: node, epoch: granted.epoch)
                }
            }
            let held: Bool? = if case .success(let granted) = answer { granted != nil } else { nil }
            let epoch: Int64 = if case .success(let granted?) = answer { granted.epoch } else { 0 }
            return context.state.pushStartRecorded(task, held: held, epoch: epoch, now: self.now)
        case .apply(var writes):
            if let handoff = self.options.outcomeHandoff { writes = writes.map(handoff.handingOver) }
            let subject = writes.first?.subject ?? "nothing"
            await self.attempt(writes.count == 1 ? "Cannot record \(subject)" : "Cannot record a push's end") {
                try await self.store.apply(writes)
            }
            self.options.outcomeHandoff?.stored()
            if writes.contains(where: \.isNotices) { self.noticeSignal.ring() }
        case .runPush(let task):
            let configuration = context.state.configuration
            let fence = context.fences[task.id] ?? PushFence.unbounded(project: task.target.project)
            group.addTask {
                let outcome = await self.fenced(fence) {
                    await self.executor.push(task.work, to: task.target, configuration: configuration, fence: fence)
                }
                self.queuedFinishes.add(1, ordering: .acquiringAndReleasing)
                self.continuation.yield(.finished(task, outcome))
            }
        case .readAgain:
            // The rest of a backlog comes after whatever else is waiting (a shutdown, a finished push).
            self.wake()
        case .log(let entry):
            self.logger.log(level: entry.level, entry.message, metadata: entry.metadata)
        case .measurePushStart(let remote, let delay, let retries):
            self.metrics.pushStarted(remote: remote, delay: delay, retries: retries)
        case .measurePushEnd(let remote, let result, let latency, let refs):
            self.metrics.pushFinished(remote: remote, result: result, latency: latency, refOutcomes: refs)
        }
        return []
    }

    /// Runs `push`, cancelled as soon as `fence` closes (or this task is cancelled).
    private func fenced(_ fence: PushFence, _ push: @escaping @Sendable () async -> PushOutcome) async -> PushOutcome {
        let running = Task { await push() }
        let watchdog = Task {
            guard let reason = await fence.closed() else { return }
            self.logger.warning(
                "Stopping a push: its lease is lost",
                metadata: ["replication.project": "\(fence.project)", "replication.reason": "\(reason)"]
            )
            running.cancel()
        }
        let outcome = await withTaskCancellationHandler {
            await running.value
        } onCancel: {
            running.cancel()
        }
        watchdog.cancel()
        return outcome
    }

    /// Pushes whose node crashed or lost their project are compared again (stored full syncs).
    private func reconcileOrphans() async {
        let node = self.options.nodeName
        let orphans = await self.attempt("Cannot look for orphaned pushes") {
            try await self.store.reconcileOrphanedPushes(node: node)
        }
        for target in orphans ?? [] {
            self.logger.warning(
                "A push was left running by a node that is gone; its URL is compared again",
                metadata: [
                    "replication.remote": "\(target.remote)", "replication.url": "\(target.url)",
                    "replication.project": "\(target.project)",
                ]
            )
        }
        if orphans?.isEmpty == false { self.wake() }
    }

    /// Runs a store call; a failure is logged as `failure` and gives `nil`.
    @discardableResult
    private func attempt<T>(_ failure: Logger.Message, _ call: () async throws -> T) async -> T? {
        do {
            return try await call()
        } catch {
            self.logger.error(failure, metadata: ["error": "\(error)"])
            return nil
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

extension EngineAction {
    /// Reads and renewals that the next tick repeats anyway: skipped once a shutdown began.
    fileprivate var isRoutineRead: Bool {
        switch self {
        case .readSummary, .renewLeases, .claimEvents, .readHeldPushes: true
        default: false
        }
    }
}
