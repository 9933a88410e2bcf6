import Logging
package import ReplicationCore

/// Everything the engine decides, over an injected instant: which events to claim, what to push,
/// what to record, when to renew leases, when a drain is over, what `/status` says. It does no I/O
/// and reads no clock; every input returns the ``EngineAction``s that ``ReplicationEngine`` carries
/// out (store answers come back as inputs). Wall-clock seconds travel with the instant because
/// stored events carry them.
package struct EngineState<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    package typealias Queue = ReplicationQueue<Instant>
    package typealias Action = EngineAction<Instant>
    /// A moment as the engine reads its clocks: the instant, and seconds since 1970.
    package struct Now: Sendable {
        package var instant: Instant
        package var wall: Double

        package init(_ instant: Instant, wall: Double) {
            self.instant = instant
            self.wall = wall
        }
    }

    /// Events claimed per store call, and calls per read: a backlog of any size is read in
    /// slices, so that shutdown, finished pushes and ticks are handled in between; events read in
    /// one read are planned together (one push for a change's refs).
    package static var claimBatch: Int { 500 }
    package static var claimsPerRead: Int { 4 }

    package let options: EngineOptions
    /// The one configuration the engine runs with, replaced whole on reload.
    package private(set) var configuration: ReplicationConfiguration
    package private(set) var configurationLoadedAt: Double
    package private(set) var configurationError: String?
    package internal(set) var queue: Queue
    /// Targets each event still has to reach, and when it was stored.
    var remaining: [Int64: Set<PushTarget>] = [:]
    var storedAt: [Int64: Double] = [:]
    /// Events of `options.onlyEvents` with a first attempt reported at every target, and the
    /// targets that reported so far.
    var reported: Set<Int64> = []
    var attempted: [Int64: Set<PushTarget>] = [:]
    /// Targets with a held record in the store (a previous run may have left some).
    var heldInStore: Set<PushTarget> = []
    /// Running pushes by task id: when each started, and the lease epoch its start was granted under.
    var runningPushes: [Int: (since: Instant, epoch: Int64)] = [:]
    /// Each URL's last push, restored from the store and replaced as pushes end (``LastPush``).
    var lastPushes: [String: LastPush] = [:]
    /// As the store had them at start: the baseline a URL's first push here counts on from.
    var restoredPushes: [String: LastPush] = [:]
    /// Refs deleted at each URL, when and how many: `maxDeletionsWindow`'s sliding count.
    var deletionLog: [String: [(at: Instant, count: Int)]] = [:]
    /// Whose turn it is among each round-robin remote's URLs (`urlDistributionStrategy`).
    var urlRotation = URLRotation()
    /// Each pending event's subject for its done notices; an event has one once its scheduled
    /// notices went out (kept across a reload, which plans it again).
    var noticeSubjects: [Int64: NoticeSubject] = [:]
    /// Seconds since 1970 at the latest input, for the notices' `eventCreatedOn`.
    var wall: Double
    var claimsThisRead = 0
    var claimError: String?
    var storeSummary: StoreSummary?
    var summaryError: String?
    var summaryReadAt: Instant?
    var renewedAt: Instant?
    package private(set) var cluster: [ClusterNode] = []
    package internal(set) var shutdown: Shutdown?

    package struct Shutdown: Sendable {
        /// Pending pushes due before this still start (`drainQueueAttempts` × `replicationDelay`).
        package var drainUntil: Instant
        /// Running pushes are stopped after this.
        package var stopBy: Instant
    }

    package init(configuration: ReplicationConfiguration, options: EngineOptions, now: Now) {
        self.configuration = configuration
        self.options = options
        self.configurationLoadedAt = now.wall
        self.wall = now.wall
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

    /// Events still to reach some target.
    package var pendingEvents: Int { self.remaining.count }

    /// What `/healthz` says of the store: why it cannot be used, or `nil`.
    package var storeError: String? { self.claimError ?? self.summaryError }

    /// The engine stops: drained (or out of drain time with nothing running), or, for
    /// `start --wait`, every one of its events tried everywhere.
    package func isFinished(at now: Instant) -> Bool {
        if let shutdown {
            let drained = self.queue.pending.values.allSatisfy { $0.dueAt > shutdown.drainUntil }
            return self.queue.running.isEmpty && (drained || now >= shutdown.drainUntil)
        }
        guard self.options.stopWhenReported, let only = self.options.onlyEvents else { return false }
        return self.reported.isSuperset(of: only)
    }

    /// Running pushes must be stopped: the drain ran out of time.
    package func drainTimedOut(at now: Instant) -> Bool {
        guard let shutdown else { return false }
        return now >= shutdown.stopBy && !self.queue.running.isEmpty
    }

    // MARK: Start, ticks, reads

    /// The engine starts: renew (which also compares again the URLs whose pushes a crashed
    /// predecessor left running, before any push of ours can start there), learn which held
    /// records the store has, then read.
    package mutating func start(now: Now) -> [Action] {
        self.renewedAt = now.instant
        return [.renewLeases, .readHeldPushes, .readLastPushes] + self.poll(now: now)
    }

    /// What the store says of each URL's last push before this start: `/status` shows it until
    /// the URL is pushed again, and counts failures on from it.
    package mutating func lastPushesRead(_ pushes: [LastPush]) {
        for push in pushes where self.lastPushes[push.target.url] == nil {
            self.lastPushes[push.target.url] = push
            self.restoredPushes[push.target.url] = push
        }
    }

    package mutating func heldPushesRead(_ held: [HeldPush]) {
        self.heldInStore.formUnion(held.map(\.target))
    }

    /// New events may be stored: read them (once shutting down, only start what is due).
    package mutating func poll(now: Now) -> [Action] {
        self.wall = now.wall
        guard self.shutdown == nil else { return self.wakeUp(now.instant) }
        self.claimsThisRead = 0
        return [.claimEvents(limit: Self.claimBatch, only: self.options.onlyEvents)]
    }

    /// `matches` answers the remotes' project filters for the events' projects (the engine asks its
    /// bounded matcher before the state sees them).
    package mutating func claimed(_ events: [StoredEvent], matches: ProjectMatches, now: Now) -> [Action] {
        var actions: [Action] = []
        if self.claimError != nil {
            actions.append(.log(.init(.notice, "Task store readable again")))
            // A claim whose answer was lost (a timeout after the commit) may have claimed events
            // for this node, which no later claim returns: read everything it holds.
            actions.append(.readHeldEvents)
        }
        self.claimError = nil
        actions += self.plan(events, matches: matches, now: now)
        self.claimsThisRead += 1
        guard events.count == Self.claimBatch else { return actions + self.wakeUp(now.instant) }
        guard self.claimsThisRead >= Self.claimsPerRead else {
            return actions + [.claimEvents(limit: Self.claimBatch, only: self.options.onlyEvents)]
        }
        return actions + self.wakeUp(now.instant) + [.readAgain]
    }

    package mutating func claimFailed(_ error: String, now: Now) -> [Action] {
        var actions: [Action] = []
        if self.claimError == nil {
            actions.append(.log(.init(.error, "Cannot read the task store", ["error": "\(error)"])))
        }
        self.claimError = "cannot claim events: \(error)"
        return actions + self.wakeUp(now.instant)
    }

    /// A tick: count the store about once a second, renew leases when due, look for a changed
    /// configuration, then read.
    package mutating func tick(now: Now) -> [Action] {
        var actions: [Action] = []
        if self.summaryReadAt.map({ $0.duration(to: now.instant) >= .seconds(1) }) ?? true {
            self.summaryReadAt = now.instant
            actions.append(.readSummary)
        }
        if self.renewedAt.map({ $0.duration(to: now.instant) >= self.options.leaseRenewInterval }) ?? true
            || self.cluster.isEmpty
        {
            self.renewedAt = now.instant
            actions.append(.renewLeases)
        }
        return actions + [.checkConfiguration]
    }

    /// The configuration was looked at: re-plan under `fresh`, a newer one, or read as usual;
    /// `rejected` says why a changed one was refused.
    package mutating func configurationChecked(
        _ fresh: ReplicationConfiguration?,
        rejected: String?,
        now: Now
    ) -> [Action] {
        var actions: [Action] = []
        if let rejected, rejected != self.configurationError {
            self.configurationError = rejected
            actions.append(
                .log(.init(.error, "Configuration change rejected; keeping the running one", ["error": "\(rejected)"]))
            )
        }
        return actions + (fresh.map { self.reload($0, now: now) } ?? self.poll(now: now))
    }

    package mutating func summaryRead(_ result: Result<StoreSummary, any Error>) -> [Action] {
        switch result {
        case .success(let summary):
            self.storeSummary = summary
            self.summaryError = nil
            return []
        case .failure(let error):
            let first = self.summaryError == nil
            self.summaryError = "cannot read the queue: \(error)"
            return first ? [.log(.init(.error, "Cannot count the task store's events", ["error": "\(error)"]))] : []
        }
    }

    package mutating func leasesRenewed(cluster: [ClusterNode]) {
        self.cluster = cluster
    }

    /// A newer configuration: pending work is re-planned from the stored events under it (Gerrit
    /// drops it); running pushes finish under the old one.
    private mutating func reload(_ fresh: ReplicationConfiguration, now: Now) -> [Action] {
        self.configuration = fresh
        self.configurationLoadedAt = now.wall
        self.configurationError = nil
        self.queue.update(policies: Self.policies(of: fresh))
        self.queue.removeAllPending()
        self.remaining.removeAll()
        self.storedAt.removeAll()
        let note = EngineLogEntry(
            .notice,
            "Configuration reloaded; pending work re-planned",
            ["remotes": "\(fresh.remotes.count)"]
        )
        return [.log(note), .readHeldEvents]
    }

    /// The events this node held, read after a reload (`nil`: the read failed): planned again, then
    /// the store is read as usual.
    package mutating func replan(_ events: [StoredEvent]?, matches: ProjectMatches, now: Now) -> [Action] {
        guard let events else { return self.poll(now: now) }
        return self.plan(events, matches: matches, now: now) + self.poll(now: now)
    }
}
