import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// What only a shared store does, against a real PostgreSQL server: claims that keep nodes apart,
/// leases that expire, notifications (the common contract is ``TaskStoreContract``).
@Suite(.offThePool)
struct PostgresTaskStoreTests {
    static func withStore(
        leaseTimeout: Duration = .seconds(30),
        _ body: (PostgresTaskStore) async throws -> Void
    ) async throws {
        let url = try PostgresServer.shared().makeDatabase()
        let store = try PostgresTaskStore(
            url: url,
            leaseTimeout: leaseTimeout,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.prepare()
            try await store.prepare()  // migrating twice is harmless
            try await body(store)
        }
    }

    @Test func concurrentAppendsShareCommitsAndKeepTheirOrder() async throws {
        try await Self.withStore { store in
            let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for client in 0..<16 {
                    group.addTask {
                        try await store.append(
                            [
                                .refUpdated(project: "p\(client)", refs: ["refs/heads/a"]),
                                .refUpdated(project: "p\(client)", refs: ["refs/heads/b"]),
                            ],
                            source: .notify,
                            wantsOutcomes: false
                        )
                    }
                }
                return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
            }
            #expect(Set(ids.flatMap { $0 }).count == 32)
            #expect(ids.allSatisfy { $0.count == 2 && $0[0] < $0[1] })
        }
    }

    @Test func aProjectBelongsToOneNodeUntilItsLeaseExpires() async throws {
        try await Self.withStore(leaseTimeout: .seconds(2)) { store in
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"]), .refUpdated(project: "q", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            let first = try await store.claimEvents(node: "a", only: [ids[0]], limit: 10)
            #expect(first.map(\.id) == [ids[0]])
            // b gets q, never p, while a's lease on p lives, even for p's new events.
            let later = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/b"])],
                source: .notify,
                wantsOutcomes: false
            )
            #expect(try await store.claimEvents(node: "b", only: nil, limit: 10).map(\.id) == [ids[1]])
            #expect(try await store.claimEvents(node: "a", only: nil, limit: 10).map(\.id) == later)
            let aLease = try #require(try await store.startPush(TaskStoreContract.target, node: "a"))
            #expect(aLease.lasts == .seconds(2))
            #expect(try await store.startPush(TaskStoreContract.target, node: "b") == nil, "b does not hold p")
            // a stops renewing (it died): after the lease, b takes p and everything a held there.
            try await Task.sleep(for: .seconds(3))
            _ = try await store.renewLeases(node: "b")
            let takenOver = try await store.claimEvents(node: "b", only: nil, limit: 10)
            #expect(takenOver.map(\.id) == [ids[0], later[0]])
            #expect(try await store.startPush(TaskStoreContract.target, node: "a") == nil, "a lost p")
            #expect(
                try await store.confirmLease(project: "p", node: "a", epoch: aLease.epoch) == nil,
                "a's epoch is fenced off"
            )
            let held = try #require(try await store.renewLeases(node: "b"))
            #expect(held["p"].map { $0.epoch > aLease.epoch } == true, "the takeover took a new epoch")
            // a's push was recorded running and never ended: b, which holds p now, compares its URL again.
            #expect(try await store.reconcileOrphanedPushes(node: "b") == [TaskStoreContract.target])
            #expect(try await store.reconcileOrphanedPushes(node: "b") == [])
            let reconcile = try await store.claimEvents(node: "b", only: nil, limit: 10).map(\.event)
            #expect(reconcile == [ReplicationEvent.reconcile(TaskStoreContract.target)])
            let cluster = try await store.cluster()
            #expect(cluster.first { $0.name == "b" }?.projects.sorted() == ["p", "q"])
        }
    }

    /// A node cut off mid-transaction must not keep its row locks until TCP gives up: the server
    /// ends a transaction idle for a third of the lease, and no statement waits on a lock longer
    /// than the store timeout. Read back from a live session.
    @Test func sessionsEndAbandonedTransactionsWithinALease() async throws {
        try await Self.withStore(leaseTimeout: .seconds(3)) { store in
            let idle = try await store.sessionSetting("idle_in_transaction_session_timeout")
            let lock = try await store.sessionSetting("lock_timeout")
            #expect(idle == "1s")
            #expect(lock == "10s")
        }
    }

    /// A node whose lease ran out while nobody took the project (it was cut off, then healed) takes
    /// it anew at its next push, under a new epoch: its claimed events are never stranded with a
    /// node that has forgotten them. Found by PartitionTests (an acknowledged value never arrived).
    @Test func anExpiredLeaseNobodyTookIsTakenAnewAtTheNextPush() async throws {
        try await Self.withStore(leaseTimeout: .seconds(2)) { store in
            _ = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            _ = try await store.claimEvents(node: "a", only: nil, limit: 10)
            let first = try #require(try await store.startPush(TaskStoreContract.target, node: "a"))
            try await Task.sleep(for: .seconds(3))
            let again = try #require(try await store.startPush(TaskStoreContract.target, node: "a"))
            #expect(again.epoch > first.epoch, "a new epoch: the old one's pushes were fenced off")
            #expect(try await store.confirmLease(project: "p", node: "a", epoch: first.epoch) == nil)
            #expect(try await store.startPush(TaskStoreContract.target, node: "b") == nil, "a holds it again")
            let renewed = try #require(try await store.startPush(TaskStoreContract.target, node: "a"))
            #expect(renewed.epoch == again.epoch, "a live lease keeps its epoch")
        }
    }

    /// A renewal keeps the epoch; a node's own expired lease that nobody took is renewed under it.
    @Test func renewalsKeepTheEpochAndSayWhatIsHeld() async throws {
        try await Self.withStore(leaseTimeout: .seconds(30)) { store in
            _ = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            _ = try await store.claimEvents(node: "a", only: nil, limit: 10)
            let lease = try #require(try await store.startPush(TaskStoreContract.target, node: "a"))
            let held = try #require(try await store.renewLeases(node: "a"))
            #expect(held == ["p": PushLease(epoch: lease.epoch, lasts: .seconds(30))])
            #expect(try await store.renewLeases(node: "b") == [:])
            #expect(try await store.confirmLease(project: "p", node: "a", epoch: lease.epoch + 1) == nil)
        }
    }

    @Test func idleProjectsGoBackToThePool() async throws {
        try await Self.withStore { store in
            let ids = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                source: .notify,
                wantsOutcomes: false
            )
            _ = try await store.claimEvents(node: "a", only: nil, limit: 10)
            try await store.recordDelivery(of: ids, to: TaskStoreContract.target, completed: ids)
            _ = try await store.renewLeases(node: "a")
            let later = try await store.append(
                [.refUpdated(project: "p", refs: ["refs/heads/b"])],
                source: .notify,
                wantsOutcomes: false
            )
            #expect(try await store.claimEvents(node: "b", only: nil, limit: 10).map(\.id) == later)
        }
    }

    @Test func appendsWakeListeners() async throws {
        try await Self.withStore { store in
            let (signals, continuation) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.listenForChanges { continuation.yield() } }
                try await Task.sleep(for: .milliseconds(500))
                _ = try await store.append(
                    [.refUpdated(project: "p", refs: ["refs/heads/a"])],
                    source: .notify,
                    wantsOutcomes: false
                )
                var iterator = signals.makeAsyncIterator()
                #expect(await iterator.next() != nil)
                group.cancelAll()
            }
        }
    }
}
