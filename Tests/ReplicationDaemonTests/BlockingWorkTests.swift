import Foundation
import ReplicationDaemon
import Synchronization
import Testing

/// Blocking work never waits for a thread: pushes block in poll(2) for as long as a mirror takes,
/// and with `threads = 20` twenty of them run at once on a two-core machine.
struct BlockingWorkTests {
    @Test func asManyRunAtOnceAsAreStarted() async {
        let count = 24
        let running = Running()
        let clock = ContinuousClock()
        let started = clock.now
        let together = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    await BlockingWork.run {
                        running.count.add(1, ordering: .relaxed)
                        // Every one waits, blocking its thread, until all are running at once.
                        let deadline = ContinuousClock.now + .seconds(10)
                        while running.count.load(ordering: .relaxed) < count, ContinuousClock.now < deadline {
                            usleep(1_000)
                        }
                        return running.count.load(ordering: .relaxed) >= count
                    }
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(together, "\(running.count.load(ordering: .relaxed)) of \(count) ran at once")
        #expect(clock.now - started < .seconds(5))
    }
}

private final class Running: Sendable {
    let count = Atomic<Int>(0)
}

extension BlockingWorkTests {
    /// Jobs one after another run on the thread the first ran on (it carries that job's mark),
    /// until it has waited `keep` for the next.
    @Test func aThreadRunsTheNextJobAfterItsLast() async {
        let threads = BlockingThreads(keep: .seconds(10))
        let job = { @Sendable () async -> Bool in
            await withCheckedContinuation { continuation in
                threads.run {
                    let marked = Thread.current.threadDictionary["BlockingWorkTests"] != nil
                    Thread.current.threadDictionary["BlockingWorkTests"] = true
                    continuation.resume(returning: marked)
                }
            }
        }
        var reused: [Bool] = []
        for _ in 0..<5 { reused.append(await job()) }
        #expect(reused == [false, true, true, true, true])
        let brief = BlockingThreads(keep: .milliseconds(50))
        let first = await withCheckedContinuation { continuation in
            brief.run { continuation.resume(returning: Thread.current) }
        }
        try? await Task.sleep(for: .milliseconds(500))
        let second = await withCheckedContinuation { continuation in
            brief.run { continuation.resume(returning: Thread.current) }
        }
        #expect(first !== second, "the idle thread ended after 50 ms")
    }
}
