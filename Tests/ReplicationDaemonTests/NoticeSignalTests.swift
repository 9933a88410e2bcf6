import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// What wakes `/events/stream` and the webhooks: a ring, a timeout, or cancellation, never a hang.
/// Waits that only a ring or a cancellation can end have an hour's timeout: if the signal were
/// broken they would hang, and the suite's time limit fails them (no wall-clock bound, which a
/// loaded parallel run would break).
@Suite(.offThePool)
struct NoticeSignalTests {
    @Test func aRingWakesEveryWaiterAndOneBeforeTheWaitIsNotMissed() async {
        let signal = NoticeSignal()
        let generation = signal.generation
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await signal.wait(since: generation, timeout: .seconds(3600)) } }
            try? await Task.sleep(for: .milliseconds(50))
            signal.ring()
        }
        #expect(signal.generation != generation)
        // Rung after the generation was read and before the wait began: returns at once.
        let before = signal.generation
        signal.ring()
        await signal.wait(since: before, timeout: .seconds(3600))
    }

    @Test func aWaitEndsOnItsTimeoutOrWhenCancelled() async {
        let signal = NoticeSignal()
        let clock = ContinuousClock()
        let started = clock.now
        await signal.wait(since: signal.generation, timeout: .milliseconds(100))
        #expect(clock.now - started >= .milliseconds(100))
        let waiting = Task { await signal.wait(since: signal.generation, timeout: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        await waiting.value
    }
}
