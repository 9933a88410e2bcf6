import Foundation
package import Testing

/// A suite trait that runs each of its tests on threads of their own, not on the cooperative
/// pool: most end-to-end tests block (processes, sockets, `eventually` loops), and the pool has
/// one thread per core, two on these machines. Two blocking tests on the pool starved every other
/// test, time limits included, for minutes. The test keeps its task (its task locals, so each
/// expectation is attributed to it); only the executor changes.
package struct OffThePool: SuiteTrait, TestTrait, TestScoping {
    package var isRecursive: Bool { true }

    package func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        await OffPoolSlots.shared.acquire()
        defer { Task { await OffPoolSlots.shared.release() } }
        try await withTaskExecutorPreference(ThreadPerJobExecutor()) { try await function() }
    }
}

/// How many tests run off the pool at once (three per core): enough to overlap their waiting on
/// processes and sockets, few enough that a two-core machine is not swamped by dozens of daemons
/// at once (16 at once made tests that time a push or a start miss their bounds). Waiting for a
/// slot blocks no thread. Suites keep Swift Testing's default time limit (none): with the pool
/// free, nothing needs a guard inflated for starvation; each wait a test makes has its own deadline.
actor OffPoolSlots {
    static let shared = OffPoolSlots(slots: max(4, 3 * ProcessInfo.processInfo.activeProcessorCount))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) {
        self.free = slots
    }

    func acquire() async {
        if self.free > 0 {
            self.free -= 1
            return
        }
        await withCheckedContinuation { self.waiting.append($0) }
    }

    func release() {
        if self.waiting.isEmpty {
            self.free += 1
        } else {
            self.waiting.removeFirst().resume()
        }
    }
}

extension Trait where Self == OffThePool {
    /// Runs the suite's tests off the cooperative pool (``OffThePool``).
    package static var offThePool: Self { OffThePool() }
}

/// Runs every job on a serial dispatch queue of its own, which libdispatch serves from its
/// overcommit pool (a thread per busy queue, not one per core): a job that blocks holds only its
/// own thread. Dispatch's threads block asynchronous signals, as the cooperative pool's do: a
/// plain `Thread` took a SIGCHLD in the middle of a read (EINTR, and Foundation's `try!` crashed
/// the whole run).
package final class ThreadPerJobExecutor: TaskExecutor {
    package init() {}

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedTaskExecutor()
        DispatchQueue(label: "replicator.tests.off-the-pool").async { job.runSynchronously(on: executor) }
    }
}
