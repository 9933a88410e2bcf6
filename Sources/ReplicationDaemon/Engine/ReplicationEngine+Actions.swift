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
            let matcher = context.matcher
            do {
                let events = try await self.store.claimEvents(node: node, only: only, limit: limit)
                return context.state.claimed(events, now: self.now) { matcher.replicates($0, $1) }
            } catch {
                return context.state.claimFailed("\(error)", now: self.now)
            }
        case .readHeldEvents:
            let matcher = context.matcher
            let events = await self.attempt("Cannot read the task store") {
                try await self.store.heldEvents(node: node)
            }
            return context.state.replan(events, now: self.now) { matcher.replicates($0, $1) }
        case .readHeldPushes:
            let held = await self.attempt("Cannot read the held pushes") { try await self.store.heldPushes() }
            context.state.heldPushesRead(held ?? [])
        case .readSummary:
            let summary = await Result { try await self.store.summary() }
            let next = context.state.summaryRead(summary)
            // A store that stopped answering shows in /healthz now, not after the rest of the tick.
            if case .failure = summary { self.publish(context.state) }
            return next
        case .renewLeases:
            let cluster = await self.attempt("Cannot renew claims in the task store") {
                try await self.store.renewLeases(node: node)
                return try await self.store.cluster()
            }
            if let cluster { context.state.leasesRenewed(cluster: cluster) }
        case .recordPushStart(let task):
            // A store that cannot answer is no proof that this node still holds the project.
            let held = try? await self.store.recordPush(task.target, node: node, running: true)
            return context.state.pushStartRecorded(task, held: held, now: self.now)
        case .recordPushEnd(let target):
            _ = try? await self.store.recordPush(target, node: node, running: false)
        case .recordPlanned(let counts):
            await self.attempt("Cannot record planned targets") { try await self.store.recordPlanned(counts) }
        case .recordCompleted(let events):
            await self.attempt("Cannot record completed events") { try await self.store.recordCompleted(events) }
        case .recordDelivery(let events, let target, let completed):
            await self.attempt("Cannot record a delivery") {
                try await self.store.recordDelivery(of: events, to: target, completed: completed)
            }
        case .recordOutcome(let record, let events):
            await self.attempt("Cannot record a push outcome") {
                try await self.store.recordOutcome(record, for: events)
            }
        case .recordRefStatuses(let target, let statuses, let seconds):
            await self.attempt("Cannot record ref statuses") {
                try await self.store.recordRefStatuses(statuses, for: target, at: seconds)
            }
        case .publishNotices(let notices):
            await self.attempt("Cannot store replication events") { try await self.store.appendNotices(notices) }
            self.noticeSignal.ring()
        case .recordHeld(let target, let deletions, let reason):
            await self.attempt(reason == nil ? "Cannot clear a held push" : "Cannot record a held push") {
                try await self.store.recordHeld(target, deletions: deletions, reason: reason)
            }
        case .runPush(let task):
            let configuration = context.state.configuration
            group.addTask {
                let outcome = await self.executor.push(task.work, to: task.target, configuration: configuration)
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
