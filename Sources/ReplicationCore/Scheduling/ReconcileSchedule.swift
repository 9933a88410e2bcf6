/// When the daemon verifies each mirror (`remote.NAME.reconcileInterval`, `replicator.reconcileRate`;
/// docs/operations.md, "Reconcile"). Pure, generic over the clock's instant: callers pass `now`.
///
/// Each target is verified once per its remote's interval. First verifies are spread over the
/// interval by a stable hash of the target, so a thousand projects never list at once after a
/// start; each later one comes an interval after the last, give or take a tenth (also from the
/// hash, so runs repeat exactly in tests). A round (`requestRound`) makes every target due now.
/// Starts are capped by a token bucket of `rate` listings per second across the daemon.
package struct ReconcileSchedule<Instant: InstantProtocol>: Sendable
where Instant: Sendable, Instant.Duration == Duration {
    /// Listings per second (at least 1).
    package var rate: Int {
        didSet { self.rate = max(1, self.rate) }
    }
    private var due: [PushTarget: Instant] = [:]
    private var intervals: [PushTarget: Duration] = [:]
    private var running: Set<PushTarget> = []
    private var rounds: [PushTarget: Int] = [:]
    private var tokens: Double
    private var refilledAt: Instant?

    /// A failed listing is tried again after this, or after the interval when that is shorter.
    package static var retryAfterFailure: Duration { .seconds(600) }

    package init(rate: Int) {
        self.rate = max(1, rate)
        self.tokens = Double(self.rate)
    }

    /// Every target to verify and its interval; targets gone from the list are forgotten, new ones
    /// get their first verify somewhere in their first interval.
    package mutating func update(targets: [PushTarget: Duration], now: Instant) {
        for (target, interval) in targets where interval > .zero {
            if self.due[target] == nil || self.intervals[target] != interval {
                self.due[target] = now.advanced(by: interval * Self.fraction(target, round: 0))
            }
            self.intervals[target] = interval
        }
        self.intervals = self.intervals.filter { (targets[$0.key] ?? .zero) > .zero }
        self.due = self.due.filter { self.intervals[$0.key] != nil }
        self.rounds = self.rounds.filter { self.intervals[$0.key] != nil }
    }

    /// Every known target is due now (after the event stream reconnects, or at a start without
    /// `replicateOnStartup`), still at most `rate` per second.
    package mutating func requestRound(now: Instant) {
        for target in self.due.keys { self.due[target] = now }
    }

    /// A target with queued or running work is verified this much later: its mirror is about to
    /// change, and what a listing shows meanwhile is not drift.
    package static var busyDelay: Duration { .seconds(30) }

    /// Targets to verify now, oldest due first, within the rate and at most `limit`; and when to
    /// ask again. Due targets in `busy` wait ``busyDelay``.
    package mutating func next(now: Instant, limit: Int = .max, busy: Set<PushTarget> = [])
        -> (start: [PushTarget], wakeAt: Instant?)
    {
        self.refill(now: now)
        for (target, due) in self.due where due <= now && busy.contains(target) {
            self.due[target] = now.advanced(by: Self.busyDelay)
        }
        let ready = self.due.filter { $0.value <= now && !self.running.contains($0.key) }
            .sorted {
                ($0.value, $0.key.project, $0.key.remote, $0.key.url) < (
                    $1.value, $1.key.project, $1.key.remote, $1.key.url
                )
            }
        var start: [PushTarget] = []
        for (target, _) in ready.prefix(max(0, limit)) where self.tokens >= 1 {
            self.tokens -= 1
            self.running.insert(target)
            start.append(target)
        }
        let waiting = self.due.filter { !self.running.contains($0.key) }.values
        guard let earliest = waiting.min() else { return (start, nil) }
        if earliest <= now {
            // Due but out of tokens: the next token.
            return (start, now.advanced(by: .seconds(1) / self.rate))
        }
        return (start, earliest)
    }

    /// A verify ended: the target's next one comes an interval later (sooner after a failure).
    package mutating func finished(_ target: PushTarget, failed: Bool, now: Instant) {
        self.running.remove(target)
        guard let interval = self.intervals[target] else { return }
        let round = (self.rounds[target] ?? 0) + 1
        self.rounds[target] = round
        let jitter = interval * ((Self.fraction(target, round: round) - 0.5) / 5)
        let next = failed ? min(interval, Self.retryAfterFailure) : interval + jitter
        self.due[target] = now.advanced(by: next)
    }

    package var targetCount: Int { self.due.count }

    package func dueAt(_ target: PushTarget) -> Instant? { self.due[target] }

    private mutating func refill(now: Instant) {
        if let refilledAt = self.refilledAt {
            let elapsed = refilledAt.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            self.tokens = min(Double(self.rate), self.tokens + seconds * Double(self.rate))
        }
        self.refilledAt = now
    }

    /// A fraction in [0, 1) from FNV-1a over the target and the round: stable across runs.
    static func fraction(_ target: PushTarget, round: Int) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(target.remote)\u{0}\(target.url)\u{0}\(target.project)\u{0}\(round)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Double(hash >> 11) / Double(UInt64(1) << 53)
    }
}
