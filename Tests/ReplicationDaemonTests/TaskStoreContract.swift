import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// What every ``TaskStore`` must do, run against a fresh store of each kind: in memory, SQLite,
/// and a real PostgreSQL server.
@Suite(.offThePool)
struct TaskStoreContract {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite, postgres

        var testDescription: String { self.rawValue }
    }

    static func withStore(_ kind: Kind, _ body: (any TaskStore) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(InMemoryTaskStore())
        case .sqlite:
            let directory = try TemporaryDirectory("store")
            defer { _ = directory }
            try await body(try SQLiteTaskStore(path: directory.path("tasks.sqlite")))
        case .postgres:
            try await PostgresTaskStoreTests.withStore { try await body($0) }
        }
    }

    static let target = PushTarget(remote: "mirror", url: "/m/p.git", project: "p")
    static let second = PushTarget(remote: "mirror", url: "ssh://h/p.git", project: "p")

    @Test(arguments: Kind.allCases) func appendedEventsComeBackInOrderWithIncreasingIds(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let events = [
                ReplicationEvent.refUpdated(project: "p", refs: ["refs/heads/a"]),
                ReplicationEvent(kind: .fullSync, project: "q", remotes: ["r"], urlSubstring: "x", immediately: true),
                ReplicationEvent(kind: .projectDeleted, project: "r"),
            ]
            let ids = try await store.append(events, source: .notify, wantsOutcomes: false)
            #expect(ids.count == 3 && ids[0] < ids[1] && ids[1] < ids[2])
            #expect(try await store.claimEvents(node: "a", only: nil, limit: 2).map(\.id) == Array(ids.prefix(2)))
            let rest = try await store.claimEvents(node: "a", only: nil, limit: 10)
            #expect(rest.map(\.event) == [events[2]])
            #expect(try await store.claimEvents(node: "a", only: nil, limit: 10).isEmpty, "a claim is returned once")
            #expect(try await store.heldEvents(node: "a").map(\.event) == events)
        }
    }

    @Test(arguments: Kind.allCases) func claimsCanBeLimitedAndReleased(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"]), .refUpdated(project: "p", refs: ["refs/heads/b"])],
                source: .notify,
                wantsOutcomes: false
            )
            #expect(try await store.claimEvents(node: "a", only: [ids[1]], limit: 10).map(\.id) == [ids[1]])
            try await store.releaseLeases(node: "a")
            #expect(try await store.heldEvents(node: "a").isEmpty)
            #expect(try await store.claimEvents(node: "b", only: nil, limit: 10).map(\.id) == ids)
        }
    }

    @Test(arguments: Kind.allCases) func runningPushesShowInTheClusterView(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            _ = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            _ = try await store.claimEvents(node: "a", only: nil, limit: 10)
            let lease = try #require(try await store.startPush(Self.target, node: "a"))
            var cluster = try await store.cluster()
            #expect(
                cluster.first { $0.name == "a" } == ClusterNode(name: "a", projects: ["p"], pushing: [Self.target.url])
            )
            #expect(try await store.confirmLease(project: "p", node: "a", epoch: lease.epoch)?.epoch == lease.epoch)
            #expect(try await store.reconcileOrphanedPushes(node: "a") == [], "a's own running push is no orphan")
            try await store.endPush(Self.target, node: "a", epoch: lease.epoch)
            cluster = try await store.cluster()
            #expect(cluster.first { $0.name == "a" }?.pushing == [])
        }
    }

    /// A push left running by a process that is gone becomes a full sync of its URL, stored, once.
    @Test(arguments: [Kind.memory, .sqlite]) func aDeadPushersRunningPushIsComparedAgain(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            _ = try await store.claimEvents(node: "a", only: nil, limit: 10)
            _ = try await store.startPush(Self.target, node: "a")
            try await store.recordDelivery(of: ids, to: Self.target, completed: ids)
            // a is gone (one pusher at a time): b is the pusher now.
            #expect(try await store.reconcileOrphanedPushes(node: "b") == [Self.target])
            #expect(try await store.reconcileOrphanedPushes(node: "b") == [], "once")
            let events = try await store.claimEvents(node: "b", only: nil, limit: 10).map(\.event)
            #expect(events == [ReplicationEvent.reconcile(Self.target)])
            #expect(events.first?.urls == [Self.target.url] && events.first?.kind == .fullSync)
        }
    }

    @Test(arguments: Kind.allCases) func deliveriesAreRememberedAndCompletedEventsLeave(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            try await store.recordDelivery(of: ids, to: Self.target, completed: [])
            #expect(try await store.claimEvents(node: "a", only: nil, limit: 10).first?.delivered == [Self.target])
            #expect(try await store.summary().pendingEvents == 1)
            try await store.recordDelivery(of: ids, to: Self.second, completed: ids)
            #expect(try await store.heldEvents(node: "a").isEmpty)
            #expect(try await store.summary() == StoreSummary(pendingEvents: 0, oldestStoredAt: nil))
        }
    }

    @Test(arguments: Kind.allCases) func idsAreNeverReusedAfterDeletion(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let first = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            try await store.recordDelivery(of: first, to: Self.target, completed: first)
            let second = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            #expect(second[0] > first[0])
        }
    }

    @Test(arguments: Kind.allCases) func outcomesAreKeptOnlyForEventsThatWantThem(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let waited = try await store.append(
                [ReplicationEvent(kind: .fullSync, project: "p")],
                source: .start,
                wantsOutcomes: true
            )
            let plain = try await store.append(
                [ReplicationEvent(kind: .fullSync, project: "p")],
                source: .notify,
                wantsOutcomes: false
            )
            try await store.recordPlanned([waited[0]: 2])
            let first = PushOutcomeRecord(target: Self.target, result: .ok, outcome: PushOutcome())
            try await store.recordOutcome(first, for: waited + plain)
            // Only the first attempt counts.
            try await store.recordOutcome(
                PushOutcomeRecord(
                    target: Self.target,
                    result: .transient,
                    outcome: PushOutcome(error: .init(code: .network, message: "down"))
                ),
                for: waited
            )
            var progress = try await store.progress(of: waited + plain)
            #expect(progress[0].planned == 2 && progress[0].outcomes.map(\.result) == [.ok] && !progress[0].isReported)
            #expect(progress[1].outcomes.isEmpty)
            try await store.recordOutcome(
                PushOutcomeRecord(target: Self.second, result: .ok, outcome: PushOutcome()),
                for: waited
            )
            try await store.recordDelivery(of: waited, to: Self.second, completed: waited)
            progress = try await store.progress(of: waited)
            #expect(progress[0].isReported && !progress[0].isPending && progress[0].outcomes.count == 2)
            try await store.removeOutcomes(of: waited)
            #expect(try await store.progress(of: waited)[0].outcomes.isEmpty)
        }
    }

    /// Outcomes are counted for exactly the events asked about: a run of consecutive ids, ids with a
    /// gap whose event has outcomes of its own, ids in any order and repeated.
    @Test(arguments: Kind.allCases) func outcomesAreCountedForTheEventsAskedAbout(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let ids = try await store.append(
                Array(repeating: ReplicationEvent(kind: .fullSync, project: "p"), count: 5),
                source: .start,
                wantsOutcomes: true
            )
            let record = { (target: PushTarget) in
                PushOutcomeRecord(target: target, result: .ok, outcome: PushOutcome())
            }
            try await store.recordOutcome(record(Self.target), for: ids)
            try await store.recordOutcome(record(Self.second), for: [ids[2]])
            #expect(try await store.outcomeCount(of: ids) == 6)
            #expect(try await store.outcomeCount(of: Array(ids[1...3])) == 4)
            #expect(try await store.outcomeCount(of: [ids[1], ids[3]]) == 2, "the event between has two of its own")
            #expect(try await store.outcomeCount(of: [ids[3], ids[1], ids[2], ids[2]]) == 4)
            #expect(try await store.outcomeCount(of: [ids[4] + 100]) == 0)
            #expect(try await store.outcomeCount(of: []) == 0)
        }
    }

    @Test(arguments: Kind.allCases) func heldPushesAreRecordedAndCleared(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            #expect(try await store.heldPushes().isEmpty)
            try await store.recordHeld(Self.target, deletions: 151, reason: "would delete 151 refs")
            try await store.recordHeld(Self.second, deletions: 3, reason: "first")
            try await store.recordHeld(Self.second, deletions: 4, reason: "again")
            let held = try await store.heldPushes()
            #expect(held.map(\.target) == [Self.target, Self.second].sorted { $0.url < $1.url })
            #expect(held.first { $0.target == Self.second }?.deletions == 4)
            #expect(held.first { $0.target == Self.target }?.reason == "would delete 151 refs")
            try await store.recordHeld(Self.target, deletions: 0, reason: nil)
            #expect(try await store.heldPushes().map(\.target) == [Self.second])
        }
    }

    @Test(arguments: Kind.allCases) func eachRefKeepsItsLastStatusPerURL(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            try await store.recordRefStatuses(
                [
                    RefStatus(ref: "refs/heads/main", status: .rejected, message: "non-fast-forward"),
                    RefStatus(
                        ref: "refs/heads/dev",
                        status: .ok,
                        newID: ObjectID(hex: String(repeating: "ab", count: 20))
                    ),
                ],
                for: Self.target,
                at: 100
            )
            try await store.recordRefStatuses(
                [RefStatus(ref: "refs/heads/main", status: .skipped, message: "matches no push refspec")],
                for: Self.second,
                at: 101
            )
            try await store.recordRefStatuses(
                [RefStatus(ref: "refs/heads/main", status: .ok)],
                for: Self.target,
                at: 102
            )
            let main = try await store.refStatuses(project: "p", ref: "refs/heads/main")
            #expect(main.map(\.target) == [Self.target, Self.second])
            #expect(main.map(\.status.status) == [.ok, .skipped] && main.map(\.recordedAt) == [102, 101])
            #expect(main[0].status.message == nil && main[1].status.message == "matches no push refspec")
            let dev = try await store.refStatuses(project: "p", ref: "refs/heads/dev")
            #expect(
                dev.map(\.status.status) == [.ok] && dev.first?.status.newID?.hex == String(repeating: "ab", count: 20)
            )
            #expect(main[0].status.newID == nil)
            #expect(try await store.refStatuses(project: "q", ref: "refs/heads/main").isEmpty)
        }
    }

    @Test(arguments: Kind.allCases) func eachURLKeepsItsLastPush(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            #expect(try await store.lastPushes().isEmpty)
            let failure = LastPush.Failure(at: 90, result: .permanent, code: .authentication, message: "denied")
            let failing = LastPush(
                target: Self.target,
                finishedAt: 90,
                durationSeconds: 0.5,
                result: .permanent,
                lastFailure: failure,
                consecutiveFailures: 3,
                isFailed: true
            )
            try await store.recordLastPush(failing)
            let other = LastPush(
                target: Self.second,
                finishedAt: 95,
                durationSeconds: 2,
                result: .ok,
                lastSuccessAt: 95
            )
            try await store.recordLastPush(other)
            #expect(try await store.lastPushes() == [failing, other])
            var recovered = failing
            recovered.result = .ok
            recovered.lastSuccessAt = 120
            recovered.consecutiveFailures = 0
            recovered.isFailed = false
            recovered.refused = "refs/heads/main: protected branch"
            try await store.recordLastPush(recovered)
            #expect(try await store.lastPushes() == [recovered, other], "replaced, one per URL")
        }
    }

    static func notice(_ ref: String, at seconds: Int) -> ReplicationNotice {
        ReplicationNotice(type: .refReplicationDone, project: "p", ref: ref, nodesCount: 1, eventCreatedOn: seconds)
    }

    @Test(arguments: Kind.allCases) func noticesAreNumberedInOrderPagedAndPruned(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            #expect(try await store.lastNoticeID() == 0)
            try await store.appendNotices((1...5).map { Self.notice("refs/heads/b\($0)", at: 100 + $0) })
            let all = try await store.notices(after: 0, limit: 10)
            #expect(all.notices.map(\.notice.ref) == (1...5).map { "refs/heads/b\($0)" })
            let ids = all.notices.map(\.id)
            #expect(ids == ids.sorted() && Set(ids).count == 5 && all.lastID == ids.last)
            #expect(all.notices.first?.notice == Self.notice("refs/heads/b1", at: 101), "stored whole")
            let replicated = ReplicationNotice(
                type: .refReplicated,
                project: "p",
                ref: "refs/heads/main",
                target: NoticeTarget(url: "ssh://git@host:29418/p.git"),
                status: .failed,
                refStatus: .rejectedNonFastForward,
                eventCreatedOn: 99
            )
            let scheduled = ReplicationNotice(
                type: .projectDeletionReplicationScheduled,
                project: "q",
                target: NoticeTarget(url: "/srv/q.git"),
                eventCreatedOn: 99
            )
            // An empty text stays empty (not NULL), and text is stored by its bytes, not its characters.
            let unusual = ReplicationNotice(
                type: .refReplicationDone,
                project: "",
                ref: "refs/heads/é€𝄞",
                eventCreatedOn: 99
            )
            try await store.appendNotices([replicated, scheduled, unusual])
            let extra = try await store.notices(after: ids[4], limit: 3).notices
            #expect(extra.map(\.notice) == [replicated, scheduled, unusual], "every field comes back")
            let newest = try #require(extra.last?.id)
            let page = try await store.notices(after: ids[1], limit: 2)
            #expect(page.notices.map(\.id) == [ids[2], ids[3]] && page.lastID == ids[3])
            #expect(try await store.lastNoticeID() == newest)
            #expect(try await store.pruneNotices(createdBefore: 100) == 3, "the three created at 99")
            #expect(try await store.pruneNotices(createdBefore: 104) == 3)
            #expect(try await store.notices(after: 0, limit: 10).notices.map(\.id) == [ids[3], ids[4]])
            #expect(try await store.pruneNotices(createdBefore: 1_000) == 2)
            #expect(try await store.lastNoticeID() == newest, "pruning does not lower the last id")
            // Ids are never reused once pruned: a cursor past them stays valid.
            try await store.appendNotices([Self.notice("refs/heads/later", at: 200)])
            let later = try await store.notices(after: newest, limit: 10).notices
            #expect(later.map(\.notice.ref) == ["refs/heads/later"] && later[0].id > newest)
            #expect(try await store.notices(after: later[0].id, limit: 10).notices.isEmpty)
        }
    }

    /// A push's notices, one per ref, between others: each keeps an id of its own, in order, and
    /// pages and prunes by notice wherever a page starts or ends (the SQLite store keeps runs of
    /// them in shared rows).
    @Test(arguments: Kind.allCases) func aPushsNoticesPageOneByOne(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let target = NoticeTarget(url: "ssh://git@host:29418/p.git")
            let refs = (0..<2_345).map { index in
                ReplicationNotice(
                    type: .refReplicated,
                    project: "p",
                    ref: "refs/changes/\(index % 100)/\(index)/1",
                    target: target,
                    status: index == 7 ? .failed : .succeeded,
                    refStatus: index == 7 ? .rejectedOtherReason : .ok,
                    eventCreatedOn: 100
                )
            }
            let odd = ReplicationNotice(
                type: .refReplicated,
                project: "p",
                ref: "refs/heads/a\nb",
                target: target,
                status: .succeeded,
                refStatus: .ok,
                eventCreatedOn: 100
            )
            let appended =
                [Self.notice("refs/heads/first", at: 99)] + refs + [odd, Self.notice("refs/heads/done", at: 101)]
            try await store.appendNotices(appended)
            try await store.appendNotices(Array(refs.prefix(3)))
            let all = appended + refs.prefix(3)
            var read: [StoredNotice] = []
            var cursor: Int64 = 0
            let limits = [1, 7, 1_000, 999, 1_001, 5]
            while read.count < all.count {
                let limit = limits[read.count % limits.count]
                let page = try await store.notices(after: cursor, limit: limit)
                #expect(page.notices.count == min(limit, all.count - read.count))
                #expect(page.lastID == page.notices.last?.id ?? cursor)
                read += page.notices
                cursor = page.lastID
            }
            #expect(read.map(\.notice) == all)
            let ids = read.map(\.id)
            let lastID = try await store.lastNoticeID()
            #expect(ids == ids.sorted() && Set(ids).count == ids.count && ids.last == lastID)
            // From any id, what follows it.
            for index in [0, 1, 500, 1_000, 1_001, 2_345, all.count - 2] {
                let page = try await store.notices(after: ids[index], limit: 3)
                #expect(page.notices == Array(read[(index + 1)...].prefix(3)), "after notice \(index)")
            }
            #expect(try await store.pruneNotices(createdBefore: 101) == all.count - 1, "all but the one at 101")
            #expect(try await store.notices(after: 0, limit: 10).notices.map(\.notice) == [all[all.count - 4]])
        }
    }

    @Test(arguments: Kind.allCases) func aWebhookCursorIsHeldByOneNodeAtATime(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            try await store.appendNotices([Self.notice("refs/heads/old", at: 1)])
            let newest = try await store.lastNoticeID()
            // A webhook seen for the first time starts after what is already stored.
            #expect(try await store.leaseNoticeCursor("https://hook", node: "a", now: 10, until: 40) == newest)
            #expect(try await store.leaseNoticeCursor("https://hook", node: "b", now: 20, until: 50) == nil)
            #expect(try await store.advanceNoticeCursor("https://hook", node: "b", to: newest + 5, until: 50) == false)
            #expect(try await store.advanceNoticeCursor("https://hook", node: "a", to: newest + 1, until: 55) == true)
            #expect(
                try await store.leaseNoticeCursor("https://hook", node: "b", now: 45, until: 75) == nil,
                "an acknowledgement renews the lease"
            )
            #expect(try await store.leaseNoticeCursor("https://hook", node: "a", now: 30, until: 60) == newest + 1)
            // An expired lease goes to whoever asks; the cursor goes with it.
            #expect(try await store.leaseNoticeCursor("https://hook", node: "b", now: 61, until: 90) == newest + 1)
            #expect(try await store.advanceNoticeCursor("https://hook", node: "a", to: newest + 2, until: 99) == false)
            // Released at a clean shutdown: taken at once.
            try await store.releaseNoticeCursors(node: "b")
            #expect(try await store.leaseNoticeCursor("https://hook", node: "c", now: 62, until: 92) == newest + 1)
            // Each webhook has its own cursor.
            #expect(try await store.leaseNoticeCursor("https://other", node: "b", now: 62, until: 92) == newest)
        }
    }

    @Test(arguments: Kind.allCases) func executorLeaseCanBeTaken(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let lease = try #require(try await store.acquireExecutorLease(wait: false))
            lease.release()
        }
    }
}

/// What only the embedded store does: one pushing process, durability, reopening.
@Suite(.offThePool)
struct SQLiteTaskStoreTests {
    private func withStore(_ body: (SQLiteTaskStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(try SQLiteTaskStore(path: directory.appendingPathComponent("tasks.sqlite").path))
    }

    @Test func oneProcessPushesAtATime() async throws {
        try await self.withStore { store in
            let lease = try #require(try await store.acquireExecutorLease(wait: false))
            #expect(try await store.acquireExecutorLease(wait: false) == nil)
            lease.release()
            let again = try await store.acquireExecutorLease(wait: false)
            #expect(again != nil)
            again?.release()
        }
    }

    @Test func eventsSurviveReopening() async throws {
        try await self.withStore { store in
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            let reopened = try SQLiteTaskStore(path: store.path)
            #expect(try await reopened.claimEvents(node: "a", only: nil, limit: 10).map(\.id) == ids)
        }
    }

    @Test func lastPushesSurviveReopening() async throws {
        try await self.withStore { store in
            let push = LastPush(
                target: TaskStoreContract.target,
                finishedAt: 7,
                durationSeconds: 1,
                result: .ok,
                lastSuccessAt: 7
            )
            try await store.recordLastPush(push)
            #expect(try await SQLiteTaskStore(path: store.path).lastPushes() == [push])
        }
    }

    /// A push's end is one transaction: when its last write fails (a trigger refuses it here), the
    /// delivery and the outcome before it are not kept either, and the event stays to be pushed again.
    @Test func aPushEndLandsWholeOrNotAtAll() async throws {
        try await self.withStore { store in
            let target = TaskStoreContract.target
            let id = try #require(
                try await store.append(
                    [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                    source: .notify,
                    wantsOutcomes: true
                )
                .first
            )
            let end: [StoreWrite] = [
                .outcome(PushOutcomeRecord(target: target, result: .ok, outcome: PushOutcome()), events: [id]),
                .delivery(events: [id], target: target, completed: [id]),
                .lastPush(LastPush(target: target, finishedAt: 7, durationSeconds: 1, result: .ok, lastSuccessAt: 7)),
            ]
            let refuse = "CREATE TRIGGER refuse BEFORE INSERT ON last_pushes BEGIN SELECT RAISE(ABORT, 'refused'); END;"
            try Command.run("sqlite3", [store.path, refuse])
            await #expect(throws: (any Error).self) { try await store.apply(end) }
            #expect(try await store.summary().pendingEvents == 1, "the delivery was rolled back with the rest")
            #expect(try await store.outcomeCount(of: [id]) == 0)
            #expect(try await store.lastPushes().isEmpty)
            #expect(try await store.writerSynchronousMode() == 2, "a failed push end leaves events fsync'd")
            try Command.run("sqlite3", [store.path, "DROP TRIGGER refuse;"])
            try await store.apply(end)
            #expect(try await store.summary().pendingEvents == 0)
            #expect(try await store.lastPushes().count == 1)
        }
    }

    /// A push's start and end commit without an fsync of their own (``SQLiteTaskStore/write(in:synced:_:)``);
    /// the writer is back at FULL after each, so the next event is fsync'd, and it makes the
    /// bookkeeping before it durable as well (the WAL is written in order).
    @Test func pushBookkeepingLeavesEventAppendsFsynced() async throws {
        try await self.withStore { store in
            _ = try await store.startPush(TaskStoreContract.target, node: "a")
            #expect(try await store.writerSynchronousMode() == 2)
            try await store.apply([.pushEnded(TaskStoreContract.target, node: "a", epoch: 0)])
            #expect(try await store.writerSynchronousMode() == 2)
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            #expect(ids.count == 1)
            #expect(try await store.writerSynchronousMode() == 2)
        }
    }

    /// GRDB's WAL set-up turns `synchronous` down to NORMAL after `prepareDatabase`: check the
    /// setting on the connection that writes, not the configuration that asked for it.
    @Test func theWritingConnectionSyncsEveryCommit() async throws {
        try await self.withStore { store in
            #expect(try await store.writerSynchronousMode() == 2, "PRAGMA synchronous = FULL on the writer")
            let reopened = try SQLiteTaskStore(path: store.path)
            #expect(try await reopened.writerSynchronousMode() == 2)
        }
    }

    @Test func concurrentAppendsEachGetTheirOwnIds() async throws {
        try await self.withStore { store in
            let ids = try await withThrowingTaskGroup(of: (Int, [Int64]).self) { group in
                for client in 0..<32 {
                    group.addTask {
                        let events = (0..<3).map {
                            ReplicationEvent.refUpdated(project: "p\(client)", refs: ["refs/heads/b\($0)"])
                        }
                        return (client, try await store.append(events, source: .notify, wantsOutcomes: false))
                    }
                }
                return try await group.reduce(into: [Int: [Int64]]()) { $0[$1.0] = $1.1 }
            }
            let all = ids.values.flatMap { $0 }
            #expect(Set(all).count == 96)
            #expect(ids.values.allSatisfy { $0 == $0.sorted() && $0.count == 3 })
            let stored = try await store.claimEvents(node: "a", only: nil, limit: 200)
            for (client, clientIDs) in ids {
                let events = stored.filter { clientIDs.contains($0.id) }.map(\.event)
                #expect(events.map(\.project) == Array(repeating: "p\(client)", count: 3))
                #expect(events.map(\.refs) == (0..<3).map { ["refs/heads/b\($0)"] })
            }
        }
    }
}
