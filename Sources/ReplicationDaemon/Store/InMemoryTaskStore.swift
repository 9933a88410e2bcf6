import Foundation
package import ReplicationCore
import Synchronization

/// A ``TaskStore`` in memory, with the same contract as SQLite and PostgreSQL (one process; nothing
/// survives it): for engine tests, and as the reference a reader can check the others against.
/// ``failReads(_:)`` makes claims and counts fail, as a broken disk would.
package final class InMemoryTaskStore: TaskStore {
    private struct Event {
        var stored: StoredEvent
        var claimedBy: String?
        var planned: Int?
    }

    private struct State {
        var nextID: Int64 = 1
        var events: [Int64: Event] = [:]
        var outcomes: [Int64: [PushOutcomeRecord]] = [:]
        var held: [PushTarget: HeldPush] = [:]
        var refStatuses: [RefStatusKey: StoredRefStatus] = [:]
        var lastPushes: [String: LastPush] = [:]
        /// Running pushes by remote, URL and node.
        var running: [String: (target: PushTarget, node: String)] = [:]
        /// Each project's lease epoch: bumped by ``handOver(project:to:)``.
        var epochs: [String: Int64] = [:]
        var leaseTaken = false
        var readFailure: TaskStoreError?
        var listeners: [Int: @Sendable () -> Void] = [:]
        var nextListener = 0
    }

    private struct RefStatusKey: Hashable {
        var target: PushTarget
        var ref: String
    }

    private let state = Mutex(State())
    /// Gerrit's replication events out (`NoticeStore`).
    let noticeLog = Mutex(NoticeLog())

    package init() {}

    /// From now on, claims and counts throw `error` (`nil`: they work again).
    package func failReads(_ error: TaskStoreError?) {
        self.state.withLock { $0.readFailure = error }
    }

    private func read<T>(_ body: (inout State) throws -> T) throws -> T {
        try self.state.withLock { state in
            if let failure = state.readFailure { throw failure }
            return try body(&state)
        }
    }

    // MARK: Intake

    package func append(_ events: [ReplicationEvent], source: EventSource, wantsOutcomes: Bool) async throws -> [Int64]
    {
        let now = Date().timeIntervalSince1970
        let (ids, listeners) = self.state.withLock { state in
            let ids = events.map { event in
                let id = state.nextID
                state.nextID += 1
                let stored = StoredEvent(id: id, event: event, storedAt: now, wantsOutcomes: wantsOutcomes)
                state.events[id] = Event(stored: stored)
                return id
            }
            return (ids, Array(state.listeners.values))
        }
        for listener in listeners { listener() }
        return ids
    }

    // MARK: Queue

    package func claimEvents(node: String, only: Set<Int64>?, limit: Int) async throws -> [StoredEvent] {
        try self.read { state in
            let ids = state.events.keys.filter { id in
                state.events[id]?.claimedBy == nil && (only?.contains(id) ?? true)
            }.sorted().prefix(limit)
            for id in ids { state.events[id]?.claimedBy = node }
            return ids.compactMap { state.events[$0]?.stored }
        }
    }

    package func heldEvents(node: String) async throws -> [StoredEvent] {
        self.state.withLock { state in
            state.events.values.filter { $0.claimedBy == node }.map(\.stored).sorted { $0.id < $1.id }
        }
    }

    package func heldPushes() async throws -> [HeldPush] {
        self.state.withLock { state in
            state.held.values.sorted {
                ($0.target.project, $0.target.remote, $0.target.url) < (
                    $1.target.project, $1.target.remote, $1.target.url
                )
            }
        }
    }

    package func summary() async throws -> StoreSummary {
        try self.read { state in
            StoreSummary(
                pendingEvents: state.events.count,
                oldestStoredAt: state.events.values.map(\.stored.storedAt).min()
            )
        }
    }

    // MARK: Outcomes

    private static func sameMirror(_ first: PushTarget, _ second: PushTarget) -> Bool {
        first.remote == second.remote && first.url == second.url
    }

    package func progress(of events: [Int64]) async throws -> [EventProgress] {
        self.state.withLock { state in
            events.map { id in
                let queued: EventProgress.Queued =
                    switch state.events[id] {
                    case .none: .done
                    case .some(let event): event.planned.map(EventProgress.Queued.planned) ?? .unplanned
                    }
                return EventProgress(id: id, queued: queued, outcomes: state.outcomes[id] ?? [])
            }
        }
    }

    package func outcomeCount(of events: [Int64]) async throws -> Int {
        self.state.withLock { state in Set(events).reduce(0) { $0 + (state.outcomes[$1]?.count ?? 0) } }
    }

    package func removeOutcomes(of events: [Int64]) async throws {
        self.state.withLock { state in
            for id in events { state.outcomes[id] = nil }
        }
    }

    // MARK: Cluster

    /// One process pushes at a time, as with SQLite; whoever pushed before is gone.
    package func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        while true {
            let taken = self.state.withLock { state in
                guard !state.leaseTaken else { return false }
                state.leaseTaken = true
                state.running.removeAll()
                for id in state.events.keys { state.events[id]?.claimedBy = nil }
                return true
            }
            if taken { return Lease(store: self) }
            guard wait else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private struct Lease: ExecutorLease {
        let store: InMemoryTaskStore

        func release() { self.store.state.withLock { $0.leaseTaken = false } }
    }

    package func renewLeases(node: String) async throws -> [String: PushLease]? { nil }

    package func releaseLeases(node: String) async throws {
        self.state.withLock { state in
            for (id, event) in state.events where event.claimedBy == node { state.events[id]?.claimedBy = nil }
            state.running = state.running.filter { $0.value.node != node }
        }
    }

    private static func holders(of project: String, in state: State) -> Set<String> {
        Set(state.events.values.filter { $0.stored.event.project == project }.compactMap(\.claimedBy))
    }

    /// What a takeover in a shared store does: `node` now holds `project`'s claimed events, under
    /// a new epoch.
    package func handOver(project: String, to node: String) {
        self.state.withLock { state in
            state.epochs[project, default: 0] += 1
            for (id, event) in state.events where event.stored.event.project == project && event.claimedBy != nil {
                state.events[id]?.claimedBy = node
            }
        }
    }

    /// Starting fails while another node holds the project (after ``handOver(project:to:)``).
    package func startPush(_ target: PushTarget, node: String) async throws -> PushLease? {
        self.state.withLock { state in
            let holders = Self.holders(of: target.project, in: state)
            if !holders.isEmpty, !holders.contains(node) { return nil }
            state.running["\(target.remote) \(target.url) \(node)"] = (target, node)
            return PushLease(epoch: state.epochs[target.project] ?? 0, lasts: nil)
        }
    }

    package func confirmLease(project: String, node: String, epoch: Int64) async throws -> PushLease? {
        self.state.withLock { state in
            let holders = Self.holders(of: project, in: state)
            guard holders.isEmpty || holders.contains(node), state.epochs[project] ?? 0 == epoch else { return nil }
            return PushLease(epoch: epoch, lasts: nil)
        }
    }

    /// One process pushes at a time: pushes recorded by any other node are orphans.
    package func reconcileOrphanedPushes(node: String) async throws -> [PushTarget] {
        let orphans = self.state.withLock { state in
            let orphans = state.running.values.filter { $0.node != node }.map(\.target)
            state.running = state.running.filter { $0.value.node == node }
            return Set(orphans).sorted { ($0.url, $0.remote) < ($1.url, $1.remote) }
        }
        if !orphans.isEmpty {
            _ = try await self.append(orphans.map(ReplicationEvent.reconcile), source: .reconcile, wantsOutcomes: false)
        }
        return orphans
    }

    package func cluster() async throws -> [ClusterNode] {
        self.state.withLock { state in
            var nodes: [String: ClusterNode] = [:]
            for event in state.events.values {
                guard let node = event.claimedBy else { continue }
                nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].projects.append(
                    event.stored.event.project
                )
            }
            for (target, node) in state.running.values {
                nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].pushing.append(target.url)
            }
            return nodes.values.map { node in
                ClusterNode(name: node.name, projects: Set(node.projects).sorted(), pushing: node.pushing.sorted())
            }.sorted { $0.name < $1.name }
        }
    }

    // MARK: Lifecycle

    package func prepare() async throws {}

    package func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Appends call `onChange` at once, as PostgreSQL's `NOTIFY` does.
    package func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {
        let id = self.state.withLock { state in
            defer { state.nextListener += 1 }
            state.listeners[state.nextListener] = onChange
            return state.nextListener
        }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        _ = self.state.withLock { $0.listeners.removeValue(forKey: id) }
    }
}

extension InMemoryTaskStore {

    package func refStatuses(project: String, ref: String) async throws -> [StoredRefStatus] {
        self.state.withLock { state in
            state.refStatuses.values.filter { $0.target.project == project && $0.status.ref == ref }
                .sorted { ($0.target.remote, $0.target.url) < ($1.target.remote, $1.target.url) }
        }
    }

    package func lastPushes() async throws -> [LastPush] {
        self.state.withLock { $0.lastPushes.values.sorted { $0.target.url < $1.target.url } }
    }

    // MARK: Writes

    /// Under one lock: nobody reads a push's end half applied.
    package func apply(_ writes: [StoreWrite]) async throws {
        let now = Date().timeIntervalSince1970
        self.state.withLock { state in
            for write in writes { Self.apply(write, to: &state, now: now) }
        }
        for case .notices(let notices) in writes { self.append(notices) }
    }

    private static func apply(_ write: StoreWrite, to state: inout State, now: Double) {
        switch write {
        case .planned(let counts):
            for (id, count) in counts { state.events[id]?.planned = count }
        case .completed(let events):
            for id in events { state.events[id] = nil }
        case .delivery(let events, let target, let completed):
            for id in events { state.events[id]?.stored.delivered.insert(target) }
            for id in completed { state.events[id] = nil }
        case .outcome(let outcome, let events):
            for id in events where state.events[id]?.stored.wantsOutcomes == true {
                let known = state.outcomes[id] ?? []
                guard !known.contains(where: { Self.sameMirror($0.target, outcome.target) }) else { continue }
                state.outcomes[id] = (known + [outcome]).sorted {
                    ($0.target.remote, $0.target.url) < ($1.target.remote, $1.target.url)
                }
            }
        case .refStatuses(let target, let statuses, let seconds):
            for status in statuses {
                state.refStatuses[RefStatusKey(target: target, ref: status.ref)] = StoredRefStatus(
                    target: target,
                    status: status,
                    recordedAt: seconds
                )
            }
        case .lastPush(let push):
            state.lastPushes[push.target.url] = push
        case .held(let target, let deletions, let reason):
            state.held[target] = reason.map { HeldPush(target: target, deletions: deletions, reason: $0, heldAt: now) }
        case .pushEnded(let target, let node, _):
            state.running.removeValue(forKey: "\(target.remote) \(target.url) \(node)")
        case .notices:
            break  // the notice log has its own lock (``append(_:)``)
        }
    }
}
