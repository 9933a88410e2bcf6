import Foundation
import Logging
import ReplicationCore

/// The engine's state, owned by its single loop: the queue state machine, which targets each stored
/// event still has to reach, and the shutdown phase.
struct EngineLoop {
    typealias Queue = ReplicationQueue<ContinuousClock.Instant>
    typealias Action = Queue.Action

    private let store: any TaskStore
    let options: EngineOptions
    let metrics: ReplicationMetrics
    let statusBoard: StatusBoard
    private let logger: Logger
    private(set) var configuration: ReplicationConfiguration
    /// The current configuration's project filters, memoized and bounded in time.
    private var projectMatcher: BoundedProjectMatcher
    private(set) var configurationLoadedAt = Date()
    private(set) var configurationError: String?
    private(set) var queue: Queue
    /// Targets each event still has to reach.
    private var remaining: [Int64: Set<PushTarget>] = [:]
    private(set) var storedAt: [Int64: Double] = [:]
    private var lastRenewal = ContinuousClock.now
    /// The cluster as the store last showed it.
    private(set) var cluster: [ClusterNode] = []
    /// Events of `options.onlyEvents` with a first attempt reported at every target.
    private var reported: Set<Int64> = []
    private var attempted: [Int64: Set<PushTarget>] = [:]
    private(set) var shutdown: Shutdown?
    /// Why claiming from the store failed last, until a claim succeeds again.
    private(set) var claimError: String?
    /// The queue as the store counts it (every node's events), refreshed about once a second.
    private(set) var storeSummary: StoreSummary?
    private(set) var summaryError: String?
    private var summaryReadAt: ContinuousClock.Instant?
    /// Targets whose held record in the store must go once they are delivered (read from the store
    /// at the first delivery: a previous run may have left some).
    private var heldInStore: Set<PushTarget>?

    struct Shutdown {
        /// Pending pushes due before this still start (`drainQueueAttempts` × `replicationDelay`).
        var drainUntil: ContinuousClock.Instant
        /// Running pushes are stopped after this.
        var stopBy: ContinuousClock.Instant
    }

    init(
        store: any TaskStore,
        configuration: ReplicationConfiguration,
        options: EngineOptions,
        metrics: ReplicationMetrics,
        statusBoard: StatusBoard,
        logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.options = options
        self.metrics = metrics
        self.statusBoard = statusBoard
        self.logger = logger
        self.projectMatcher = BoundedProjectMatcher(logger: logger)
        self.queue = Queue(policies: Self.policies(of: configuration))
    }

    private static func policies(of configuration: ReplicationConfiguration) -> [String: SchedulingPolicy] {
        Dictionary(
            configuration.remotes.map {
                ($0.name, SchedulingPolicy(remote: $0, replication: configuration.replication))
            },
            uniquingKeysWith: { first, _ in first }
        )
    }

    var pendingEvents: Int { self.remaining.count }

    var isFinished: Bool {
        if let shutdown {
            let drained = self.queue.pending.values.allSatisfy { $0.dueAt > shutdown.drainUntil }
            return self.queue.running.isEmpty && (drained || ContinuousClock.now >= shutdown.drainUntil)
        }
        guard self.options.stopWhenReported, let only = self.options.onlyEvents else { return false }
        return self.reported.isSuperset(of: only)
    }

    var drainTimedOut: Bool {
        guard let shutdown else { return false }
        return ContinuousClock.now >= shutdown.stopBy && !self.queue.running.isEmpty
    }

    // MARK: Events in

    /// Events claimed per store call, and calls per ``readNewEvents()``: a backlog of any size is
    /// read in slices, so that shutdown, finished pushes and ticks are handled in between.
    static let claimBatch = 500
    static let batchesPerRead = 4

    /// Whether the last ``readNewEvents()`` stopped before the store ran out of events.
    private(set) var hasMoreEvents = false

    /// Plans (a slice of) the events other processes (or the HTTP intake) stored since the last read.
    mutating func readNewEvents() async -> [Action] {
        let now = ContinuousClock.now
        self.hasMoreEvents = false
        guard self.shutdown == nil else { return self.wakeUp(now) }
        var actions: [Action] = []
        do {
            for _ in 0..<Self.batchesPerRead {
                let events = try await self.store.claimEvents(
                    node: self.options.nodeName,
                    only: self.options.onlyEvents,
                    limit: Self.claimBatch
                )
                actions += try await self.plan(events, now: now)
                self.hasMoreEvents = events.count == Self.claimBatch
                guard self.hasMoreEvents else { break }
            }
            if self.claimError != nil { self.logger.notice("Task store readable again") }
            self.claimError = nil
        } catch {
            if self.claimError == nil {
                self.logger.error("Cannot read the task store", metadata: ["error": "\(error)"])
            }
            self.claimError = "cannot claim events: \(error)"
        }
        return actions + self.wakeUp(now)
    }

    private mutating func plan(_ events: [StoredEvent], now: ContinuousClock.Instant) async throws -> [Action] {
        let matcher = self.projectMatcher
        let expansion = EventExpansion(configuration: self.configuration) { matcher.replicates($0, $1) }
        let wallNow = Date().timeIntervalSince1970
        var actions: [Action] = []
        var planned: [Int64: Int] = [:]
        var empty: [Int64] = []
        for stored in events {
            if let only = self.options.onlyEvents, !only.contains(stored.id) { continue }
            let targets = expansion.targets(of: stored.event).filter { !stored.delivered.contains($0.target) }
            if stored.wantsOutcomes { planned[stored.id] = targets.count }
            guard !targets.isEmpty else {
                empty.append(stored.id)
                continue
            }
            self.remaining[stored.id] = Set(targets.map(\.target))
            self.storedAt[stored.id] = stored.storedAt
            let createdAt = now.advanced(by: .seconds(min(0, stored.storedAt - wallNow)))
            for (target, work) in targets {
                let enqueued = self.queue.enqueue(
                    work,
                    for: target,
                    events: [stored.id],
                    createdAt: createdAt,
                    immediately: stored.event.immediately,
                    startingDue: false,
                    now: now
                )
                for action in enqueued {
                    if case .startPush = action { actions.append(action) } else { await self.apply(action) }
                }
            }
            self.logger.debug(
                "Event planned",
                metadata: ["replication.event": "\(stored.id)", "replication.targets": "\(targets.count)"]
            )
        }
        if !planned.isEmpty { try await self.store.recordPlanned(planned) }
        for id in empty {
            self.logger.debug("Event concerns no remote", metadata: ["replication.event": "\(id)"])
            try await self.store.recordDelivery(
                of: [],
                to: PushTarget(remote: "", url: "", project: ""),
                completed: [id]
            )
            if self.options.stopWhenReported { self.reported.insert(id) }
        }
        return actions
    }

    /// A newer configuration: pending work is re-planned from the stored events under it (Gerrit
    /// drops it); running pushes finish under the old one.
    mutating func reload(_ fresh: ReplicationConfiguration) async -> [Action] {
        self.configuration = fresh
        self.projectMatcher = BoundedProjectMatcher(logger: self.logger)
        self.configurationLoadedAt = Date()
        self.configurationError = nil
        self.queue.update(policies: Self.policies(of: fresh))
        self.queue.removeAllPending()
        self.remaining.removeAll()
        self.logger.notice(
            "Configuration reloaded; pending work re-planned",
            metadata: ["remotes": "\(fresh.remotes.count)"]
        )
        do {
            let held = try await self.store.heldEvents(node: self.options.nodeName)
            return try await self.plan(held, now: ContinuousClock.now) + self.readNewEvents()
        } catch {
            self.logger.error("Cannot read the task store", metadata: ["error": "\(error)"])
            return await self.readNewEvents()
        }
    }

    mutating func configurationRejected(_ reason: String) {
        guard self.configurationError != reason else { return }
        self.configurationError = reason
        self.logger.error("Configuration change rejected; keeping the running one", metadata: ["error": "\(reason)"])
    }

    private mutating func wakeUp(_ now: ContinuousClock.Instant) -> [Action] {
        if let shutdown, now >= shutdown.drainUntil { return [] }
        return self.queue.wakeUp(now: now)
    }

    /// What `/healthz` says of the store: why it cannot be used, or `nil`.
    var storeError: String? { self.claimError ?? self.summaryError }

    /// Counts what the store holds, about once a second: `/status` and `/healthz` report the store,
    /// not this loop's memory of it.
    mutating func refreshStoreSummary() async {
        let now = ContinuousClock.now
        if let last = self.summaryReadAt, now - last < .seconds(1) { return }
        self.summaryReadAt = now
        do {
            self.storeSummary = try await self.store.summary()
            self.summaryError = nil
        } catch {
            if self.summaryError == nil {
                self.logger.error("Cannot count the task store's events", metadata: ["error": "\(error)"])
            }
            self.summaryError = "cannot read the queue: \(error)"
        }
    }

    /// Keeps this node's claims in a shared store alive and refreshes the cluster view.
    mutating func maintain() async {
        await self.refreshStoreSummary()
        let now = ContinuousClock.now
        guard now - self.lastRenewal >= self.options.leaseRenewInterval || self.cluster.isEmpty else { return }
        self.lastRenewal = now
        do {
            try await self.store.renewLeases(node: self.options.nodeName)
            self.cluster = try await self.store.cluster()
        } catch {
            self.logger.error("Cannot renew claims in the task store", metadata: ["error": "\(error)"])
        }
    }

    /// The engine stopped: its claims go back to the pool for other nodes.
    func releaseClaims() async {
        do {
            try await self.store.releaseLeases(node: self.options.nodeName)
        } catch {
            self.logger.warning("Cannot release claims; they expire by themselves", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Pushes

    /// Records the push's start; `false` when another node took its project over (this node stalled
    /// past its lease): the push must not run, and everything this node had for the project goes.
    mutating func started(_ task: Queue.Task) async -> Bool {
        let held = (try? await self.store.recordPush(task.target, node: self.options.nodeName, running: true)) ?? true
        guard held else {
            self.queue.abandon(task.id, project: task.target.project)
            for (id, targets) in self.remaining where targets.contains(where: { $0.project == task.target.project }) {
                self.remaining[id] = nil
                self.storedAt[id] = nil
            }
            self.logger.warning(
                "Another node took this project over; leaving it",
                metadata: ["replication.project": "\(task.target.project)"]
            )
            return false
        }
        let now = ContinuousClock.now
        self.metrics.pushStarted(remote: task.target.remote, delay: now - task.createdAt, retries: task.retries)
        self.logger.info(
            "Replication started",
            metadata: self.metadata(of: task).merging([
                "replication.work": "\(task.work.summary(limit: self.maxRefsToShow))"
            ]) { $1 }
        )
        return true
    }

    private var maxRefsToShow: Int { max(self.configuration.gerrit.maxRefsToShow, 2) }

    mutating func finished(_ task: Queue.Task, _ execution: PushExecution, started: ContinuousClock.Instant) async
        -> [Action]
    {
        let now = ContinuousClock.now
        _ = try? await self.store.recordPush(task.target, node: self.options.nodeName, running: false)
        self.metrics.pushFinished(
            remote: task.target.remote,
            result: execution.result.label,
            latency: now - started,
            refOutcomes: execution.refOutcomes
        )
        self.audit(task, execution, duration: now - started)
        await self.recordOutcome(of: task, execution)
        let actions = self.queue.pushFinished(task.id, result: execution.result, now: now)
        for action in actions {
            await self.apply(action)
        }
        return actions + self.wakeUp(now)
    }

    private mutating func recordOutcome(of task: Queue.Task, _ execution: PushExecution) async {
        let wanting = task.events.filter { self.options.onlyEvents?.contains($0) ?? true }
        let record = PushOutcomeRecord(target: task.target, result: execution.result.label, detail: execution.detail)
        do {
            try await self.store.recordOutcome(record, for: Array(wanting))
        } catch {
            self.logger.error("Cannot record a push outcome", metadata: ["error": "\(error)"])
        }
        // Only `start --wait`'s own engine stops on first attempts; a daemon keeps no such record.
        guard self.options.stopWhenReported else { return }
        for id in wanting {
            self.attempted[id, default: []].insert(task.target)
            if let remaining = self.remaining[id], remaining.isSubset(of: self.attempted[id] ?? []) {
                self.reported.insert(id)
            }
        }
    }

    private mutating func apply(_ action: Action) async {
        switch action {
        case .startPush:
            return
        case .held(let task, let reason, let deletions):
            self.logger.warning(
                "Push held by maxDeletions; it stays queued until allowed",
                metadata: self.metadata(of: task).merging([
                    "replication.deletions": "\(deletions)", "replication.reason": "\(reason)",
                    "replication.release":
                        "replicator allow-deletions \(task.target.project) --remote \(task.target.remote)",
                ]) { $1 }
            )
            do {
                try await self.store.recordHeld(task.target, deletions: deletions, reason: reason)
                self.heldInStore?.insert(task.target)
            } catch {
                self.logger.error("Cannot record a held push", metadata: ["error": "\(error)"])
            }
        case .delivered(let task, let result, let gaveUp):
            if gaveUp {
                self.logger.error(
                    "Giving up on replication",
                    metadata: self.metadata(of: task).merging([
                        "replication.result": "\(result.label)", "error": "\(result.message ?? "")",
                    ]) { $1 }
                )
            }
            await self.delivered(task)
        case .retryScheduled(let task, let result, let at):
            self.logger.warning(
                "Replication failed; will retry",
                metadata: self.metadata(of: task).merging([
                    "replication.result": "\(result.label)", "error": "\(result.message ?? "")",
                    "replication.retry.in": "\(at - ContinuousClock.now)",
                ]) { $1 }
            )
        case .targetFailed(let target, let result):
            self.logger.error(
                "Mirror failing permanently; probing it again with backoff",
                metadata: [
                    "replication.remote": "\(target.remote)", "replication.url": "\(target.url)",
                    "error": "\(result.message ?? "")",
                ]
            )
        case .targetRecovered(let target):
            self.logger.notice(
                "Mirror recovered",
                metadata: ["replication.remote": "\(target.remote)", "replication.url": "\(target.url)"]
            )
        }
    }

    private mutating func delivered(_ task: Queue.Task) async {
        await self.forgetHeld(task.target)
        var completed: [Int64] = []
        for id in task.events {
            self.remaining[id]?.remove(task.target)
            if self.remaining[id]?.isEmpty == true {
                self.remaining[id] = nil
                self.storedAt[id] = nil
                self.attempted[id] = nil
                completed.append(id)
            }
        }
        do {
            try await self.store.recordDelivery(of: Array(task.events), to: task.target, completed: completed)
        } catch {
            // The events stay stored: the next start replays them (a push too many, never one too few).
            self.logger.error("Cannot record a delivery", metadata: ["error": "\(error)"])
        }
    }

    /// A target delivered after being held: its record in the store goes.
    private mutating func forgetHeld(_ target: PushTarget) async {
        if self.heldInStore == nil {
            self.heldInStore = Set(((try? await self.store.heldPushes()) ?? []).map(\.target))
        }
        guard self.heldInStore?.remove(target) != nil else { return }
        do {
            try await self.store.recordHeld(target, deletions: 0, reason: nil)
        } catch {
            self.logger.error("Cannot clear a held push", metadata: ["error": "\(error)"])
        }
    }

    private func audit(_ task: Queue.Task, _ execution: PushExecution, duration: Duration) {
        var metadata = self.metadata(of: task)
        metadata["replication.result"] = "\(execution.result.label)"
        metadata["replication.duration"] = "\(duration)"
        metadata["replication.bytes"] = "\(execution.bytesSent)"
        metadata["replication.retries"] = "\(task.retries)"
        for (status, count) in execution.refOutcomes.sorted(by: { $0.key < $1.key }) {
            metadata["replication.refs.\(status)"] = "\(count)"
        }
        for (key, value) in execution.notes { metadata["replication.\(key)"] = "\(value)" }
        switch execution.result {
        case .succeeded, .refsRejected:
            if let message = execution.result.message { metadata["replication.rejected"] = "\(message)" }
            self.logger.info("Replication finished", metadata: metadata)
        default:
            metadata["replication.error"] = "\(execution.result.message ?? "")"
            metadata["replication.error.class"] = "\(execution.result.label)"
            if let code = execution.result.code { metadata["replication.error.code"] = "\(code)" }
            self.logger.warning("Replication failed", metadata: metadata)
        }
        for problem in execution.refProblems {
            var refMetadata = self.metadata(of: task)
            refMetadata["replication.ref"] = "\(problem.ref)"
            refMetadata["replication.ref.status"] = "\(problem.status)"
            refMetadata["replication.ref.reason"] = "\(problem.reason)"
            self.logger.warning("Ref not replicated", metadata: refMetadata)
        }
    }

    private func metadata(of task: Queue.Task) -> Logger.Metadata {
        [
            "replication.task": "\(task.id)",
            "replication.remote": "\(task.target.remote)",
            "replication.project": "\(task.target.project)",
            "replication.url": "\(task.target.url)",
            "replication.events": "\(task.events.count)",
        ]
    }

    // MARK: Shutdown

    /// Stop taking events; pending pushes due within `drainQueueAttempts` × `replicationDelay` still
    /// run, running ones get `drainTimeout`. Whatever does not finish stays in the store.
    mutating func beginShutdown() -> [Action] {
        guard self.shutdown == nil else { return [] }
        let now = ContinuousClock.now
        let drain = self.configuration.remotes.map { $0.replicationDelay * $0.drainQueueAttempts }.max() ?? .zero
        self.shutdown = Shutdown(
            drainUntil: now.advanced(by: drain),
            stopBy: now.advanced(by: drain + self.options.drainTimeout)
        )
        self.logger.notice(
            "Shutting down: draining",
            metadata: [
                "replication.running": "\(self.queue.running.count)",
                "replication.pending": "\(self.queue.pending.count)",
            ]
        )
        return self.queue.wakeUp(now: now)
    }
}
