import ReplicationCore
import Testing

struct ReplicationQueueTests {
    static let target = PushTarget(remote: "mirror", url: "ssh://host/p.git", project: "p")
    static let other = PushTarget(remote: "mirror", url: "ssh://host/q.git", project: "q")

    static func policy(
        delay: Int = 15,
        retry: Duration = .seconds(60),
        maxRetries: Int = 0,
        updateRef: Int = 0,
        threads: Int = 1
    ) -> [String: SchedulingPolicy] {
        [
            "mirror": SchedulingPolicy(
                replicationDelay: .seconds(delay),
                replicationRetry: retry,
                maxRetries: maxRetries,
                updateRefErrorMaxRetries: updateRef,
                threads: threads
            )
        ]
    }

    static func refs(_ names: String...) -> PushWork { PushWork(refs: Set(names)) }

    @Test func eventsForOneURLCoalesceForReplicationDelayWithoutExtendingIt() {
        var queue = TestQueue(policies: Self.policy(delay: 15))
        #expect(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .isEmpty
        )
        let later = ManualInstant.seconds(10)
        #expect(
            queue.enqueue(Self.refs("refs/heads/b"), for: Self.target, events: [2], createdAt: later, now: later)
                .isEmpty
        )
        #expect(queue.wakeUp(now: .seconds(14)).isEmpty)
        let started = queue.wakeUp(now: .seconds(15)).started
        #expect(started.count == 1)
        #expect(started.first?.work.refs == ["refs/heads/a", "refs/heads/b"])
        #expect(started.first?.events == [1, 2])
    }

    /// With no delay, events that arrived together (a change's patch set and meta in one request)
    /// still start as one push: the batch is queued first and started once.
    @Test func eventsQueuedTogetherStartAsOnePushWithoutADelay() {
        var queue = TestQueue(policies: Self.policy(delay: 0, threads: 2))
        for (event, ref) in [(1, "refs/changes/01/1/1"), (2, "refs/changes/01/1/meta")] {
            let actions = queue.enqueue(
                Self.refs(ref),
                for: Self.target,
                events: [Int64(event)],
                createdAt: .zero,
                startingDue: false,
                now: .zero
            )
            #expect(actions.isEmpty)
        }
        let started = queue.wakeUp(now: .zero).started
        #expect(started.count == 1)
        #expect(started.first?.work.refs == ["refs/changes/01/1/1", "refs/changes/01/1/meta"])
        let eager = Self.refs("refs/heads/a")
        #expect(
            queue.enqueue(eager, for: Self.other, events: [3], createdAt: .zero, now: .zero).started.count == 1,
            "one by one, each event starts its own push"
        )
    }

    @Test func aFullSyncAbsorbsDeltas() {
        var queue = TestQueue(policies: Self.policy(delay: 5))
        _ = queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
        _ = queue.enqueue(PushWork(fullSync: true), for: Self.target, events: [2], createdAt: .zero, now: .zero)
        _ = queue.enqueue(Self.refs("refs/heads/b"), for: Self.target, events: [3], createdAt: .zero, now: .zero)
        let task = queue.wakeUp(now: .seconds(5)).started.first
        #expect(task?.work.fullSync == true)
        #expect(task?.work.refs.isEmpty == true)
        #expect(task?.events == [1, 2, 3])
    }

    @Test func immediatelySkipsTheDelay() {
        var queue = TestQueue(policies: Self.policy(delay: 60))
        let actions = queue.enqueue(
            PushWork(fullSync: true),
            for: Self.target,
            events: [1],
            createdAt: .zero,
            immediately: true,
            now: .zero
        )
        #expect(actions.started.count == 1)
    }

    @Test func workArrivingDuringAPushWaitsForItThenRunsWithoutPolling() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0, threads: 4))
        let first = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        // Same ref again while it is in flight: a second push after the first, never lost.
        #expect(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [2], createdAt: .zero, now: .seconds(1))
                .isEmpty
        )
        #expect(queue.wakeUp(now: .seconds(100)).isEmpty)
        let actions = queue.pushFinished(first.id, result: .succeeded, now: .seconds(101))
        #expect(actions.contains(.delivered(first, .succeeded, gaveUp: false)))
        #expect(actions.started.map(\.events) == [[2]])
    }

    @Test func aReplayOfTheRunningPushsEventIsIgnored() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0))
        _ = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        #expect(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .isEmpty
        )
        #expect(queue.pending.isEmpty)
    }

    @Test func threadsBoundPushesPerRemoteAndOtherRemotesDoNotWait() {
        var policies = Self.policy(delay: 0, threads: 1)
        policies["backup"] = policies["mirror"]
        var queue = TestQueue(policies: policies)
        let backup = PushTarget(remote: "backup", url: "/srv/p.git", project: "p")
        #expect(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.count == 1
        )
        #expect(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.other, events: [2], createdAt: .zero, now: .zero).isEmpty
        )
        #expect(
            queue.enqueue(Self.refs("refs/heads/a"), for: backup, events: [3], createdAt: .zero, now: .zero).started
                .count == 1
        )
    }

    /// A full sync of many projects under `threads = 2`: the queue starts the oldest due tasks
    /// (earliest due time, then the earliest queued), one more as each push ends, and none while
    /// both threads are busy.
    @Test func startsTheOldestDueTasksAsThreadsFreeUp() {
        var queue = TestQueue(policies: Self.policy(delay: 0, threads: 2))
        let targets = (0..<6).map { PushTarget(remote: "mirror", url: "/srv/p\($0).git", project: "p\($0)") }
        // Queued p0…p5, due (no delay: when queued) in another order: p1, p3, p0, p2, p5, p4.
        let due = [5, 0, 5, 0, 9, 7]
        var started: [String] = []
        for (index, target) in targets.enumerated() {
            let at = ManualInstant.seconds(due[index])
            let actions = queue.enqueue(
                PushWork(fullSync: true),
                for: target,
                events: [Int64(index)],
                createdAt: at,
                startingDue: false,
                now: at
            )
            #expect(actions.isEmpty)
        }
        started += queue.wakeUp(now: .seconds(9)).started.map(\.target.project)
        #expect(started == ["p1", "p3"])
        #expect(queue.wakeUp(now: .seconds(9)).isEmpty, "both threads are busy")
        while let running = queue.running.values.min(by: { $0.id < $1.id }) {
            started += queue.pushFinished(running.id, result: .succeeded, now: .seconds(9)).started
                .map(\.target.project)
        }
        #expect(started == ["p1", "p3", "p0", "p2", "p5", "p4"])
    }

    @Test func transientFailuresRetryWithGrowingBackoffUntilMaxRetries() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0, retry: .seconds(10), maxRetries: 3))
        var task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        var now = ManualInstant.zero
        let failure = PushAttemptResult.transientFailure(code: .network, message: "connection refused")
        for expectedWait in [10, 20, 40] {
            let actions = queue.pushFinished(task.id, result: failure, now: now)
            guard case .retryScheduled(_, _, let at) = actions.first else {
                Issue.record("expected a retry, got \(actions)")
                return
            }
            #expect(at == now.advanced(by: .seconds(expectedWait)))
            #expect(queue.wakeUp(now: at.advanced(by: .milliseconds(-1))).isEmpty)
            now = at
            task = try #require(queue.wakeUp(now: now).started.first)
        }
        let last = queue.pushFinished(task.id, result: failure, now: now)
        #expect(last == [.delivered(task, failure, gaveUp: true)])
        #expect(queue.pending.isEmpty)
        #expect(queue.health[Self.target.url]?.consecutiveFailures == 4)
    }

    @Test func backoffStopsGrowing() {
        let policy = SchedulingPolicy(
            replicationDelay: .zero,
            replicationRetry: .seconds(60),
            maxRetries: 0,
            updateRefErrorMaxRetries: 0,
            threads: 1
        )
        #expect(policy.backoff(afterFailures: 1) == .seconds(60))
        #expect(policy.backoff(afterFailures: 5) == .seconds(960))
        #expect(policy.backoff(afterFailures: 50) == .seconds(960))
    }

    /// A stale `.lock` on the mirror (`failed to update ref`) used to drop the update for good under
    /// Gerrit's default `updateRefErrorMaxRetries = 0`; it is retried with backoff instead.
    @Test func aStaleLockIsRetriedNotDroppedByDefault() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0, retry: .seconds(1)))
        var task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        let result = PushAttemptResult.updateRefFailed("refs/heads/a: failed to lock")
        for attempt in 1...5 {
            guard case .retryScheduled(_, _, let at) = queue.pushFinished(task.id, result: result, now: .zero).first
            else {
                Issue.record("attempt \(attempt): expected a retry")
                return
            }
            task = try #require(queue.wakeUp(now: at).started.first)
        }
        #expect(queue.health[Self.target.url]?.consecutiveFailures == 5, "each failure is reported")
    }

    /// `updateRefErrorMaxRetries` quick retries first, then `replicationMaxRetries` bounds the rest.
    @Test func updateRefFailuresRetryUpToTheirOwnLimitThenAsTransientFailures() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0, retry: .seconds(1), maxRetries: 1, updateRef: 1))
        var task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        let result = PushAttemptResult.updateRefFailed("failed to update ref")
        for (attempt, now) in [(1, ManualInstant.zero), (2, .seconds(100))] {
            guard case .retryScheduled = queue.pushFinished(task.id, result: result, now: now).first else {
                Issue.record("attempt \(attempt): expected a retry")
                return
            }
            task = try #require(queue.wakeUp(now: now.advanced(by: .seconds(60))).started.first)
        }
        #expect(
            queue.pushFinished(task.id, result: result, now: .seconds(200)).first
                == .delivered(task, result, gaveUp: true)
        )
    }

    @Test(arguments: [
        PushAttemptResult.refsRejected("refs/heads/a: non-fast-forward"),
        .sourceMissing("no such repository"),
    ])
    func finalOutcomesAreNotRetried(result: PushAttemptResult) throws {
        var queue = TestQueue(policies: Self.policy(delay: 0))
        let task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        let actions = queue.pushFinished(task.id, result: result, now: .zero)
        guard case .delivered = actions.first else {
            Issue.record("expected a delivery, got \(actions)")
            return
        }
        #expect(queue.pending.isEmpty)
    }

    @Test func aBlockedPushIsHeldWithItsEventsUntilAllowedOnce() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0))
        let task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        let blocked = PushAttemptResult.blocked("would delete 500 refs", deletions: 500)
        let actions = queue.pushFinished(task.id, result: blocked, now: .zero)
        guard case .held(let held, _, 500) = actions.first else {
            Issue.record("expected a held push, got \(actions)")
            return
        }
        #expect(held.events == [1])
        #expect(queue.held[Self.target] != nil && queue.pending.isEmpty)
        #expect(queue.health[Self.target.url]?.lastSuccess == nil, "a held push is not the URL's last success")
        // Later work waits with it, and its events hear of the hold at once; nothing starts on its own.
        let joined = queue.enqueue(
            Self.refs("refs/heads/b"),
            for: Self.target,
            events: [2],
            createdAt: .zero,
            now: .seconds(1)
        )
        #expect(joined.started.isEmpty)
        guard case .joinedHeld(let newcomer, "would delete 500 refs", 500) = joined.first else {
            Issue.record("expected the newcomer to hear of the hold, got \(joined)")
            return
        }
        #expect(newcomer.events == [2])
        #expect(queue.wakeUp(now: .seconds(100)).started.isEmpty)
        // An allowance releases it at once, with everything it gathered.
        let released = try #require(
            queue.enqueue(
                PushWork(allowMassDeletion: true),
                for: Self.target,
                events: [3],
                createdAt: .zero,
                now: .seconds(2)
            ).started.first
        )
        #expect(released.events == [1, 2, 3])
        #expect(released.work.refs == ["refs/heads/a", "refs/heads/b"] && released.work.allowMassDeletion)
        #expect(queue.held.isEmpty)
        #expect(
            queue.pushFinished(released.id, result: .succeeded, now: .seconds(3)).first
                == .delivered(released, .succeeded, gaveUp: false)
        )
    }

    @Test func anAllowanceWithNothingHeldIsDeliveredAtOnce() {
        var queue = TestQueue(policies: Self.policy(delay: 0))
        let actions = queue.enqueue(
            PushWork(allowMassDeletion: true),
            for: Self.target,
            events: [7],
            createdAt: .zero,
            now: .zero
        )
        guard case .delivered(let task, .succeeded, false) = actions.first else {
            Issue.record("expected a delivery, got \(actions)")
            return
        }
        #expect(task.events == [7])
        #expect(queue.pending.isEmpty && queue.running.isEmpty)
    }

    @Test func permanentFailuresAreReportedOnceAndProbedForever() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0, retry: .seconds(1), maxRetries: 1))
        var task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        let failure = PushAttemptResult.permanentFailure(code: .authentication, message: "denied")
        var now = ManualInstant.zero
        var reports = 0
        for _ in 0..<5 {
            let actions = queue.pushFinished(task.id, result: failure, now: now)
            reports += actions.count { if case .targetFailed = $0 { true } else { false } }
            #expect(!actions.contains { if case .delivered = $0 { true } else { false } })
            now = now.advanced(by: .seconds(100))
            task = try #require(queue.wakeUp(now: now).started.first)
        }
        #expect(reports == 1)
        #expect(queue.health[Self.target.url]?.isFailed == true)
        let recovered = queue.pushFinished(task.id, result: .succeeded, now: now)
        #expect(recovered.contains(.targetRecovered(Self.target)))
        #expect(queue.health[Self.target.url]?.isFailed == false)
    }

    @Test func aRetryAbsorbsWorkThatArrivedMeanwhile() throws {
        var queue = TestQueue(policies: Self.policy(delay: 0, retry: .seconds(30)))
        let task = try #require(
            queue.enqueue(Self.refs("refs/heads/a"), for: Self.target, events: [1], createdAt: .zero, now: .zero)
                .started.first
        )
        _ = queue.enqueue(Self.refs("refs/heads/b"), for: Self.target, events: [2], createdAt: .zero, now: .seconds(1))
        _ = queue.pushFinished(task.id, result: .transientFailure(code: .network, message: "reset"), now: .seconds(2))
        #expect(queue.wakeUp(now: .seconds(31)).isEmpty)
        let retried = try #require(queue.wakeUp(now: .seconds(32)).started.first)
        #expect(retried.work.refs == ["refs/heads/a", "refs/heads/b"])
        #expect(retried.events == [1, 2])
        #expect(retried.retries == 1)
    }

    @Test func aProjectDeletionSupersedesPendingPushes() {
        var work = PushWork(refs: ["refs/heads/a"], updateHead: true)
        work.absorb(PushWork(deleteProject: true))
        #expect(work == PushWork(deleteProject: true))
        work.absorb(PushWork(refs: ["refs/heads/b"]))
        #expect(work.deleteProject && work.refs == ["refs/heads/b"])
    }
}
