import Foundation

/// Blocking work (a push, a listing, an `flock`) run on a thread of its own and awaited: it must
/// not hold one of the cooperative pool's threads, of which a two-core machine has two.
package enum BlockingWork {
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            BlockingThreads.shared.run { continuation.resume(returning: body()) }
        }
    }
}

/// Threads for blocking work: every job runs at once on a thread of its own (never queued behind
/// another: a push blocks as long as its mirror takes), and a thread waits 10 s after its job for
/// the next instead of ending. Not libdispatch: a concurrent queue there runs on as many threads
/// as there are cores and adds more only slowly (24 jobs waiting on each other took 16 s); and a
/// new thread per push cost a 600-project sync 0.1 s of its 2 s of CPU.
package final class BlockingThreads: @unchecked Sendable {
    static let shared = BlockingThreads(keep: .seconds(10))

    private let keep: Duration
    /// Guards `jobs` and `idle`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    /// Threads waiting for a job.
    private var idle = 0

    package init(keep: Duration) {
        self.keep = keep
    }

    package func run(_ job: @escaping @Sendable () -> Void) {
        self.condition.lock()
        self.jobs.append(job)
        // A waiting thread that was signalled still counts as idle until it wakes: a thread is
        // started whenever the jobs outnumber them.
        let start = self.idle < self.jobs.count
        if !start { self.condition.signal() }
        self.condition.unlock()
        if start { Thread.detachNewThread { self.work() } }
    }

    private func work() {
        self.condition.lock()
        while true {
            if !self.jobs.isEmpty {
                let job = self.jobs.removeFirst()
                self.condition.unlock()
                job()
                self.condition.lock()
                continue
            }
            self.idle += 1
            let signalled = self.condition.wait(until: Date(timeIntervalSinceNow: self.keep.seconds))
            self.idle -= 1
            if !signalled, self.jobs.isEmpty {
                self.condition.unlock()
                return
            }
        }
    }
}
