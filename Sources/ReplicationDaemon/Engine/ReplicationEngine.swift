import Foundation
package import Logging
package import ReplicationCore
import ServiceLifecycle
import Synchronization

/// The daemon's heart: reads events from the store, plans them under the current configuration,
/// drives the ``ReplicationQueue`` state machine from one loop and runs the pushes it asks for.
/// Events leave the store only once every target has them, so a crash or a SIGKILL loses nothing:
/// the next start replays what is left (pushes read current local state, so replays are harmless).
package final class ReplicationEngine: Service {
    package let metrics: ReplicationMetrics
    package let statusBoard = StatusBoard()
    private let store: any TaskStore
    private let executor: any PushExecutor
    private let source: (any ConfigurationSource)?
    private let initialConfiguration: ReplicationConfiguration
    private let options: EngineOptions
    private let logger: Logger
    private let inputs: AsyncStream<EngineInput>
    private let continuation: AsyncStream<EngineInput>.Continuation
    /// A `.poll` is queued and not yet handled: wakes coalesce into it, so a burst of requests
    /// queues one read, not one each (a shutdown would wait behind them all).
    private let pollQueued = Atomic(false)

    package init(
        store: any TaskStore,
        executor: any PushExecutor,
        configuration: ReplicationConfiguration,
        source: (any ConfigurationSource)? = nil,
        options: EngineOptions = EngineOptions(),
        metrics: ReplicationMetrics = ReplicationMetrics(),
        logger: Logger
    ) {
        self.store = store
        self.executor = executor
        self.initialConfiguration = configuration
        self.source = source
        self.options = options
        self.metrics = metrics
        self.logger = logger
        (self.inputs, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// New events are in the store: read them now rather than at the next poll.
    package func wake() {
        guard !self.pollQueued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.continuation.yield(.poll)
    }

    package func run() async throws {
        var loop = EngineLoop(
            store: self.store,
            configuration: self.initialConfiguration,
            options: self.options,
            metrics: self.metrics,
            statusBoard: self.statusBoard,
            logger: self.logger
        )
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.tick() }
                group.addTask { await self.store.listenForChanges { self.wake() } }
                self.wake()
                for await input in self.inputs {
                    await self.handle(input, loop: &loop, group: &group)
                    if loop.isFinished { break }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.continuation.yield(.shutdown)
        }
        await loop.releaseClaims()
        self.logger.notice(
            "Replication engine stopped",
            metadata: ["replication.pending.events": "\(loop.pendingEvents)"]
        )
    }

    private func tick() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.options.pollInterval)
            self.continuation.yield(.tick)
        }
    }

    private func handle(_ input: EngineInput, loop: inout EngineLoop, group: inout TaskGroup<Void>) async {
        let actions: [ReplicationQueue<ContinuousClock.Instant>.Action]
        switch input {
        case .poll:
            self.pollQueued.store(false, ordering: .releasing)
            actions = await loop.readNewEvents()
        case .tick:
            await loop.maintain()
            if let source = self.source,
                let fresh = source.reloadIfChanged(rejected: { loop.configurationRejected($0) })
            {
                actions = await loop.reload(fresh)
            } else {
                actions = await loop.readNewEvents()
            }
            loop.publishStatus()
        case .finished(let task, let execution, let started):
            actions = await loop.finished(task, execution, started: started)
            loop.publishStatus()
        case .shutdown:
            actions = loop.beginShutdown()
        }
        for action in actions {
            guard case .startPush(let task) = action else { continue }
            guard await loop.started(task) else { continue }
            group.addTask {
                let started = ContinuousClock.now
                let execution = await self.executor.push(task.work, to: task.target)
                self.continuation.yield(.finished(task, execution, started: started))
            }
        }
        if loop.hasMoreEvents {
            // The rest of a backlog comes after whatever else is waiting (a shutdown, a finished push).
            self.wake()
        }
        if loop.drainTimedOut {
            group.cancelAll()
        }
    }
}

enum EngineInput: Sendable {
    case poll
    case tick
    case finished(PushTask<ContinuousClock.Instant>, PushExecution, started: ContinuousClock.Instant)
    case shutdown
}
