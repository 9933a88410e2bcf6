import Foundation
import ReplicationDaemon
import ReplicationTestSupport
import Synchronization
import Testing

/// The fence a running push carries: it closes when the lease's deadline passes without renewal,
/// when a renewal or a confirmation shows the epoch gone, and when the store cannot confirm it in
/// time; it never opens again.
@Suite(.offThePool) struct PushFenceTests {
    static let lease = PushLease(epoch: 7, lasts: .milliseconds(1_000))

    @Test func theDeadlineKeepsAFifthOfTheLeaseBack() {
        let asked = ContinuousClock.now
        #expect(PushFence.deadline(askedAt: asked, lasting: .seconds(30)) == asked + .seconds(24))
    }

    /// Only the lower bound is timed: the watcher runs on the cooperative pool, which the suite's
    /// blocking tests may hold (in the daemon, pushes block threads of their own).
    @Test func aFenceWithoutRenewalClosesAtItsDeadline() async {
        let asked = ContinuousClock.now
        let fence = PushFence(project: "p", lease: Self.lease, askedAt: asked, confirm: nil)
        #expect(fence.checkBeforeCommands() == nil)
        let reason = await fence.closed()
        #expect(reason?.contains("deadline passed") == true)
        #expect(ContinuousClock.now >= asked + .milliseconds(800))
        #expect(fence.checkBeforeCommands() == reason)
    }

    @Test func renewalsMoveTheDeadlineOnAndALostEpochClosesAtOnce() {
        let asked = ContinuousClock.now
        let fence = PushFence(project: "p", lease: Self.lease, askedAt: asked, confirm: nil)
        let later = asked + .milliseconds(500)
        fence.renewed(["p": Self.lease, "q": PushLease(epoch: 1, lasts: .seconds(1))], askedAt: later)
        #expect(fence.deadline == later + .milliseconds(800))
        fence.renewed(nil, askedAt: later + .seconds(1))
        #expect(fence.deadline == later + .milliseconds(800), "a store without expiring leases changes nothing")
        fence.renewed(["p": PushLease(epoch: 8, lasts: .seconds(1))], askedAt: later)
        #expect(fence.closedReason?.contains("another node") == true)
        fence.renewed(["p": Self.lease], askedAt: later + .seconds(1))
        #expect(fence.closedReason != nil, "a closed fence never opens again")
        #expect(fence.checkBeforeCommands() != nil)
    }

    /// Asked from threads of their own, as pushes ask. The confirmation itself runs on the
    /// cooperative pool, which a full parallel run starves for minutes: leases long enough to wait.
    @Test func commandsWaitForTheStoresConfirmation() async throws {
        let asked = ContinuousClock.now
        let long = PushLease(epoch: 7, lasts: .seconds(600))
        let answers = Mutex<[PushLease?]>([long, nil])
        let fence = PushFence(project: "p", lease: long, askedAt: asked) {
            answers.withLock { $0.removeFirst() }
        }
        #expect(try await onOwnThread { fence.checkBeforeCommands() } == nil)
        #expect(fence.deadline.map { $0 > asked + .seconds(480) } == true, "a confirmation renews")
        #expect(try await onOwnThread { fence.checkBeforeCommands() }?.contains("another node") == true)
        #expect(fence.closedReason != nil)
    }

    @Test func aStoreThatCannotConfirmRefusesTheCommands() async throws {
        struct Unreachable: Error {}
        let long = PushLease(epoch: 7, lasts: .seconds(600))
        let failing = PushFence(project: "p", lease: long, askedAt: .now) { throw Unreachable() }
        #expect(try await onOwnThread { failing.checkBeforeCommands() }?.contains("cannot confirm") == true)
        let stalled = PushFence(project: "p", lease: Self.lease, askedAt: .now) {
            try await Task.sleep(for: .seconds(30))
            return Self.lease
        }
        let (refusal, waited) = try await onOwnThread {
            let started = ContinuousClock.now
            return (stalled.checkBeforeCommands(), ContinuousClock.now - started)
        }
        #expect(refusal?.contains("did not confirm") == true)
        #expect(waited < .seconds(2), "bounded by the deadline")
    }

    @Test func anUnboundedFenceNeverClosesByItself() async {
        let fence = PushFence.unbounded(project: "p")
        #expect(fence.deadline == nil)
        #expect(fence.checkBeforeCommands() == nil)
        let waiter = Task { await fence.closed() }
        try? await Task.sleep(for: .milliseconds(300))
        waiter.cancel()
        #expect(await waiter.value == nil)
    }
}
