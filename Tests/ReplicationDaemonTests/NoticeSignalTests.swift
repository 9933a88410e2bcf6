import ReplicationDaemon
import Testing

/// What wakes `/events/stream` and the webhooks: a ring, a timeout, or cancellation, never a hang.
struct NoticeSignalTests {
    @Test func aRingWakesEveryWaiterAndOneBeforeTheWaitIsNotMissed() async {
        let signal = NoticeSignal()
        let generation = signal.generation
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await signal.wait(since: generation, timeout: .seconds(30)) } }
            try? await Task.sleep(for: .milliseconds(50))
            signal.ring()
        }
        #expect(clock.now - started < .seconds(10), "the ring woke them")
        // Rung after the generation was read and before the wait began: returns at once.
        let before = signal.generation
        signal.ring()
        let early = clock.now
        await signal.wait(since: before, timeout: .seconds(30))
        #expect(clock.now - early < .seconds(10))
    }

    @Test func aWaitEndsOnItsTimeoutOrWhenCancelled() async {
        let signal = NoticeSignal()
        let clock = ContinuousClock()
        let started = clock.now
        await signal.wait(since: signal.generation, timeout: .milliseconds(100))
        #expect(clock.now - started >= .milliseconds(100))
        let waiting = Task { await signal.wait(since: signal.generation, timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        let cancelled = clock.now
        await waiting.value
        #expect(clock.now - cancelled < .seconds(10))
    }
}
