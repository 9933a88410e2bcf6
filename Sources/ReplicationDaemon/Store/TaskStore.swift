package import ReplicationCore

/// The durable queue: events are stored before they are acknowledged and stay until every target
/// has them. Each caller depends on the part it uses; every implementation passes one contract
/// (`TaskStoreContract` in the tests): SQLite, PostgreSQL and ``InMemoryTaskStore``.
package typealias TaskStore = EventIntakeStore & EventQueueStore & OutcomeStore & RefStatusStore & NoticeStore
    & ClusterStore & StoreLifecycle & StoreWriting

/// Gerrit's replication events out, kept for `replicator.eventRetention`: numbered in the order
/// they were stored (ids never reused), read by `/events/stream` and the webhooks, whose
/// positions the store keeps. One node of a cluster at a time delivers each webhook (a lease).
/// Notices are written through ``StoreWriting`` (a push's end stores them in its transaction).
package protocol NoticeStore: Sendable {
    /// Up to `limit` notices with ids above `id`, oldest first.
    func notices(after id: Int64, limit: Int) async throws -> NoticeBatch
    /// The highest id ever given to a notice, pruned or not (0 before the first): what comes
    /// next is numbered above it.
    func lastNoticeID() async throws -> Int64
    /// Removes the notices created before `seconds` (since 1970); how many went.
    @discardableResult
    func pruneNotices(createdBefore seconds: Double) async throws -> Int
    /// The last notice `subscriber` acknowledged, when `node` holds its lease (renewed until
    /// `until`) or takes it (free, or expired before `now`); `nil` while another node holds it.
    /// A subscriber seen for the first time starts at the newest notice.
    func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws -> Int64?
    /// Moves `subscriber`'s cursor to `id` and renews `node`'s lease until `until`; `false` when
    /// `node` no longer holds it.
    func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws -> Bool
    /// Gives up `node`'s leases (a clean shutdown): the next process takes them at once.
    func releaseNoticeCursors(node: String) async throws
}

/// Each ref's last push result per URL, for `replicator explain`: one row per (URL, project, ref),
/// replaced by the next push that touches the ref (written through ``StoreWriting``).
package protocol RefStatusStore: Sendable {
    /// Every URL's last status of `ref` in `project`, by remote and URL.
    func refStatuses(project: String, ref: String) async throws -> [StoredRefStatus]
    /// Every URL's last push, by URL.
    func lastPushes() async throws -> [LastPush]
}

/// What senders of events need (`POST /events`, `notify`, hooks, `start`).
package protocol EventIntakeStore: Sendable {
    /// Stores events durably (committed and synced) and returns their ids, in order; wakes the
    /// nodes that listen for changes.
    func append(_ events: [ReplicationEvent], source: EventSource, wantsOutcomes: Bool) async throws -> [Int64]
}

/// What the engine reads to work through the queue (its writes go through ``StoreWriting``).
package protocol EventQueueStore: Sendable {
    /// Claims stored events for `node` to plan, oldest first, with the targets they already reached:
    /// events no live node holds (a node holds an event when it holds the event's project).
    /// `only` limits the claim to those events (`start --wait` without a daemon).
    func claimEvents(node: String, only: Set<Int64>?, limit: Int) async throws -> [StoredEvent]
    /// Every event `node` holds (to re-plan after a configuration reload).
    func heldEvents(node: String) async throws -> [StoredEvent]
    /// Every push the mass-deletion guard holds, for `allow-deletions` and `status`.
    func heldPushes() async throws -> [HeldPush]
    /// Pending events: how many and since when.
    func summary() async throws -> StoreSummary
}

/// First attempts' outcomes, for `start --wait` (recorded through ``StoreWriting``).
package protocol OutcomeStore: Sendable {
    /// Where `start --wait` stands for its events.
    func progress(of events: [Int64]) async throws -> [EventProgress]
    /// How many outcomes `events` have so far: a cheap check before reading them with ``progress(of:)``.
    func outcomeCount(of events: [Int64]) async throws -> Int
    /// Forgets the outcomes of events whose sender has read them.
    func removeOutcomes(of events: [Int64]) async throws
}

/// Who pushes from the store: the executor lease, project leases with their fencing epochs, and
/// the cluster view. A push runs only under a lease the store granted (``startPush(_:node:)``),
/// and only while its node can show the lease still holds (docs/design.md, "Fencing").
package protocol ClusterStore: Sendable {
    /// The right to run pushes from this store. `nil` when another process holds it and `wait` is
    /// false. Stores shared by several nodes grant it to every node.
    func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)?
    /// Keeps `node`'s claims alive for another lease period and lets go of projects with nothing
    /// left to do: the projects `node` holds now, with their leases. `nil` where leases never
    /// expire (one pusher holds the whole store: SQLite).
    func renewLeases(node: String) async throws -> [String: PushLease]?
    /// `node` stops: its claims go back to the pool at once.
    func releaseLeases(node: String) async throws
    /// A push to `target` starts on `node`: the project's lease is renewed (or taken anew, under a
    /// new epoch, when it expired and nobody took it: the events this node claimed stay its own,
    /// never stranded) and the push recorded (the cluster's in-flight view). `nil` when another
    /// node holds the project: the push must not run, and that node claims the events.
    func startPush(_ target: PushTarget, node: String) async throws -> PushLease?
    /// `node` still holds `project` under `epoch`: the lease, renewed from the call. `nil` when it
    /// is lost (expired and taken, or released).
    func confirmLease(project: String, node: String, epoch: Int64) async throws -> PushLease?
    /// Pushes recorded as running whose node no longer holds their project under their epoch (it
    /// crashed, or was cut off and stopped), in projects `node` holds now: each becomes a stored
    /// full-sync event for its URL (source `reconcile`), in the same transaction, and is
    /// forgotten. What a late write of such a push left on the mirror is then compared again.
    func reconcileOrphanedPushes(node: String) async throws -> [PushTarget]
    /// Which node holds what and runs what.
    func cluster() async throws -> [ClusterNode]
}

/// A node's lease on a project, as the store granted or renewed it.
package struct PushLease: Hashable, Sendable {
    /// Given anew each time the project changes hands: the fencing token a push carries.
    package var epoch: Int64
    /// How long the lease lasts from the call that granted it; `nil` while this process holds the
    /// store (SQLite's lock: nobody else can take the project).
    package var lasts: Duration?

    package init(epoch: Int64, lasts: Duration?) {
        self.epoch = epoch
        self.lasts = lasts
    }
}

extension ReplicationEvent {
    /// The full sync that follows up an orphaned push to `target`'s URL.
    package static func reconcile(_ target: PushTarget) -> ReplicationEvent {
        var event = ReplicationEvent(kind: .fullSync, project: target.project, remotes: [target.remote])
        event.urls = [target.url]
        return event
    }
}

/// The store's own life: schema, connections, change notifications.
package protocol StoreLifecycle: Sendable {
    /// Creates or migrates the schema; called once, with ``run()`` going.
    func prepare() async throws
    /// Runs the store's connections until the task is cancelled (PostgreSQL's client needs it).
    func run() async
    /// Calls `onChange` whenever another process stores events (PostgreSQL `LISTEN`), until the task
    /// is cancelled; returns at once when the store has no such signal and must be polled.
    func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async
}

/// One node of a cluster sharing a store, as `/status` shows it.
package struct ClusterNode: Hashable, Sendable, Codable {
    package var name: String
    /// Projects whose events this node holds.
    package var projects: [String]
    /// URLs it is pushing to now.
    package var pushing: [String]

    package init(name: String, projects: [String], pushing: [String]) {
        self.name = name
        self.projects = projects
        self.pushing = pushing
    }
}

/// A push the mass-deletion guard holds: it stays queued until `replicator allow-deletions`.
package struct HeldPush: Hashable, Sendable, Codable {
    package var target: PushTarget
    package var deletions: Int
    package var reason: String
    /// Seconds since 1970.
    package var heldAt: Double

    package init(target: PushTarget, deletions: Int, reason: String, heldAt: Double) {
        self.target = target
        self.deletions = deletions
        self.reason = reason
        self.heldAt = heldAt
    }
}

/// Held while a process runs pushes from a store; releasing it lets another process take over.
package protocol ExecutorLease: Sendable {
    func release()
}

/// How one attempt ended for one target, as `start --wait` reads it back.
package struct PushOutcomeRecord: Sendable, Codable, Equatable {
    package var target: PushTarget
    package var result: PushAttemptResult.Kind
    package var outcome: PushOutcome

    package init(target: PushTarget, result: PushAttemptResult.Kind, outcome: PushOutcome) {
        self.target = target
        self.result = result
        self.outcome = outcome
    }
}

/// One event's progress, for `start --wait`.
package struct EventProgress: Sendable {
    /// Where an event stands in the queue.
    package enum Queued: Hashable, Sendable {
        /// Still queued; no engine has planned it yet.
        case unplanned
        /// Still queued, planned for this many targets.
        case planned(Int)
        /// Gone from the queue: every target had it, so every outcome it has is all it had.
        case done
    }

    package var id: Int64
    /// Targets it was planned for; `nil` until an engine has planned it.
    package var planned: Int?
    package var outcomes: [PushOutcomeRecord]
    /// Still in the queue (some target has not had it yet).
    package var isPending: Bool

    package init(id: Int64, queued: Queued, outcomes: [PushOutcomeRecord]) {
        self.id = id
        self.outcomes = outcomes
        switch queued {
        case .unplanned: (self.planned, self.isPending) = (nil, true)
        case .planned(let count): (self.planned, self.isPending) = (count, true)
        case .done: (self.planned, self.isPending) = (outcomes.count, false)
        }
    }

    /// Every planned target has reported its first attempt.
    package var isReported: Bool {
        guard let planned else { return false }
        return self.outcomes.count >= planned
    }
}

/// The queue at a glance, without a daemon.
package struct StoreSummary: Hashable, Sendable, Codable {
    package var pendingEvents: Int
    /// Seconds since 1970 when the oldest pending event was stored.
    package var oldestStoredAt: Double?
    /// Stored events that cannot be decoded (another version's, or damaged): set aside, kept, and
    /// counted among the pending ones. `nil` where the store does not count them.
    package var unreadableEvents: Int?

    package init(pendingEvents: Int, oldestStoredAt: Double?) {
        self.pendingEvents = pendingEvents
        self.oldestStoredAt = oldestStoredAt
    }
}

/// A store failure: which operation, and why.
package struct TaskStoreError: Error, CustomStringConvertible {
    package var code: String
    package var message: String

    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { self.message }
}
