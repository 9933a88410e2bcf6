import Foundation
package import Logging
package import ReplicationCore
import ServiceLifecycle
import Synchronization

/// The daemon's heart: the one place that carries out what ``EngineState`` decides. A single loop
/// takes inputs (a poll, a tick, a finished push, shutdown), hands them to the state and executes
/// the actions it returns in one `switch`: store calls, pushes, metrics, logs. Events leave the
/// store only once every target has them, so a crash or a SIGKILL loses nothing: the next start
/// replays what is left (pushes read current local state, so replays are harmless).
package final class ReplicationEngine<EngineClock: Clock & Sendable>: Service
where EngineClock.Instant: Sendable, EngineClock.Duration == Duration {
    package typealias State = EngineState<EngineClock.Instant>
    package typealias Action = State.Action

    package let metrics: ReplicationMetrics
    package let statusBoard: StatusBoard
    /// Rung when notices are stored: `/events/stream` and the webhooks wake on it.
    package let noticeSignal = NoticeSignal()
    let store: any TaskStore
    let executor: any PushExecutor
    let source: (any ConfigurationSource)?
    private let initialConfiguration: ReplicationConfiguration
    let options: EngineOptions
    private let clock: EngineClock
    let logger: Logger
    private let inputs: AsyncStream<Input>
    let continuation: AsyncStream<Input>.Continuation
    /// A `.poll` is queued and not yet handled: wakes coalesce into it, so a burst of requests
    /// queues one read, not one each (a shutdown would wait behind them all).
    private let pollQueued = Atomic(false)
    /// A tick waits in the inputs: the clock adds no other until it is handled. A slow store (each
    /// call up to storeTimeout) would otherwise pile ticks up ahead of a shutdown.
    private let tickQueued = Atomic(false)
    /// Finished pushes in the inputs, not yet handled. The status is published after the last of
    /// a run of them: a publication holds the state, so the next push's end copied every
    /// dictionary it changed (the queue, the last pushes), and 600 queued projects made each
    /// push end copy 600-entry tables.
    let queuedFinishes = Atomic(0)
    /// Set as soon as a graceful shutdown begins: the store reads still queued before it are skipped
    /// (each could wait out storeTimeout on a stalled store, holding the drain up).
    let shutdownRequested = Atomic(false)
    /// The configuration the engine runs with, as last published (the HTTP intake reads `basePath`).
    let published: Mutex<ReplicationConfiguration>

    enum Input: Sendable {
        case poll
        case tick
        case finished(State.Queue.Task, PushOutcome)
        case shutdown
    }

    package init(
        store: any TaskStore,
        executor: any PushExecutor,
        configuration: ReplicationConfiguration,
        source: (any ConfigurationSource)? = nil,
        options: EngineOptions = EngineOptions(),
        metrics: ReplicationMetrics = ReplicationMetrics(),
        clock: EngineClock,
        logger: Logger
    ) {
        self.store = store
        let bounded = store as? BoundedTaskStore
        self.statusBoard = StatusBoard(storeStall: { bounded?.stall })
        self.executor = executor
        self.initialConfiguration = configuration
        self.source = source
        self.options = options
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        self.published = Mutex(configuration)
        (self.inputs, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// The configuration the engine runs with now.
    package var configuration: ReplicationConfiguration { self.published.withLock { $0 } }

    /// New events are in the store: read them now rather than at the next poll.
    package func wake() {
        guard !self.pollQueued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.continuation.yield(.poll)
    }

    package func run() async throws {
        var context = Context(
            state: State(configuration: self.initialConfiguration, options: self.options, now: self.now),
            matcher: BoundedProjectMatcher(logger: self.logger)
        )
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.tick() }
                group.addTask { await self.store.listenForChanges { self.wake() } }
                await self.execute(context.state.start(now: self.now), &context, &group)
                for await input in self.inputs {
                    await self.handle(input, &context, &group)
                    if context.state.drainTimedOut(at: self.clock.now) { group.cancelAll() }
                    if context.state.isFinished(at: self.clock.now) { break }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.shutdownRequested.store(true, ordering: .releasing)
            self.continuation.yield(.shutdown)
        }
        do {
            let (store, node) = (self.store, self.options.nodeName)
            try await withDeadline(shutdownCourtesy, orThrow: CourtesyTimeout()) {
                try await store.releaseLeases(node: node)
            }
        } catch {
            self.logger.warning("Cannot release claims; they expire by themselves", metadata: ["error": "\(error)"])
        }
        self.logger.notice(
            "Replication engine stopped",
            metadata: ["replication.pending.events": "\(context.state.pendingEvents)"]
        )
    }

    /// What the loop owns while it runs: the state, and the project matcher of its configuration.
    struct Context {
        var state: State
        var matcher: BoundedProjectMatcher
        /// Each running push's fence, by task id: renewals move their deadlines on.
        var fences: [Int: PushFence] = [:]
        /// Why the last renewal failed, while renewals fail.
        var renewalError: String?

        /// The remotes' project filters answered for `events` under the state's configuration,
        /// by the bounded matcher (a `^regex` may run on a thread of its own, with a time limit).
        func matches(_ events: [StoredEvent]) -> ProjectMatches {
            let matcher = self.matcher
            return ProjectMatches(of: events, in: self.state.configuration) { matcher.replicates($0, $1) }
        }
    }

    var now: State.Now { State.Now(self.clock.now, wall: Date().timeIntervalSince1970) }

    private func tick() async {
        while !Task.isCancelled {
            try? await self.clock.sleep(for: self.options.pollInterval)
            guard !self.tickQueued.exchange(true, ordering: .acquiringAndReleasing) else { continue }
            self.continuation.yield(.tick)
        }
    }

    private func handle(_ input: Input, _ context: inout Context, _ group: inout TaskGroup<Void>) async {
        switch input {
        case .poll:
            self.pollQueued.store(false, ordering: .releasing)
            await self.execute(context.state.poll(now: self.now), &context, &group)
        case .tick:
            self.tickQueued.store(false, ordering: .releasing)
            await self.execute(context.state.tick(now: self.now), &context, &group)
            self.publish(context.state)
            self.updateMetrics()
        case .finished(let task, let outcome):
            context.fences[task.id] = nil
            await self.execute(context.state.pushFinished(task, outcome: outcome, now: self.now), &context, &group)
            let stillQueued = self.queuedFinishes.subtract(1, ordering: .acquiringAndReleasing).newValue
            if stillQueued == 0 { self.publish(context.state) }
        case .shutdown:
            await self.execute(context.state.beginShutdown(now: self.clock.now), &context, &group)
        }
    }

    /// The status board shows `state` (computed when read); the queue gauges follow every tick.
    func publish(_ state: State) {
        guard self.options.publishesStatus else { return }
        let now = self.now
        self.statusBoard.publish { state.status(at: now) }
    }

    private func updateMetrics() {
        guard self.options.publishesStatus else { return }
        let status = self.statusBoard.status
        self.metrics.oldestPending(seconds: status.oldestPendingSeconds ?? 0)
        self.metrics.store(up: status.storeError == nil)
        for remote in status.remotes {
            let failing = remote.targets.count { target in
                target.lastError != nil && (target.state == .failed || target.state == .retrying)
            }
            self.metrics.queue(
                remote: remote.name,
                depth: remote.queueDepth,
                inFlight: remote.inFlight,
                failing: failing,
                held: status.held.count { $0.remote == remote.name }
            )
        }
    }
}
