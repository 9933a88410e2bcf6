import PropertyBased
import ReplicationCore
import Testing

/// ``PendingTasks`` keeps a count per remote beside the tasks; `wakeUp` trusts it to say which
/// remotes have work. A count that drifts either leaves a startable task waiting or starts too much.
struct PendingTasksTests {
    /// Each remote and its `threads`.
    static let threads = [(remote: "a", limit: 1), (remote: "b", limit: 2), (remote: "c", limit: 1)]
    static let remotes = Self.threads.map(\.remote)
    static let projects = ["p", "q", "r", "s"]

    static func policies() -> [String: SchedulingPolicy] {
        Dictionary(
            uniqueKeysWithValues: Self.threads.map { remote, threads in
                (
                    remote,
                    SchedulingPolicy(
                        replicationDelay: .zero,
                        replicationRetry: .seconds(1),
                        maxRetries: 3,
                        updateRefErrorMaxRetries: 0,
                        threads: threads
                    )
                )
            }
        )
    }

    /// One step of a random schedule.
    enum Step {
        case enqueue(remote: Int, project: Int)
        case finish(Int, failed: Bool)
        case abandon(Int)
        case wait
    }

    static let steps = zip(Gen.int(in: 0...3), Gen.int(in: 0...11)).map { kind, number -> Step in
        switch kind {
        case 0: .enqueue(remote: number % 3, project: number / 3)
        case 1: .finish(number, failed: number % 3 == 0)
        case 2: .abandon(number)
        default: .wait
        }
    }

    /// After every step the queue has started all it may: no due, pending task whose URL is free
    /// waits on a remote with a free thread, and no remote runs more than its threads.
    @Test func wakeUpStartsEverythingItMayAfterAnySchedule() async {
        await propertyCheck(input: Self.steps.array(of: 1...60)) { steps in
            var queue = TestQueue(policies: Self.policies())
            var running: [PushTask<ManualInstant>] = []
            var now = ManualInstant.zero
            for (index, step) in steps.enumerated() {
                now = now.advanced(by: .seconds(1))
                var actions: [TestQueue.Action] = []
                switch step {
                case .enqueue(let remote, let project):
                    let name = Self.projects[project]
                    let target = PushTarget(
                        remote: Self.remotes[remote],
                        url: "\(Self.remotes[remote])/\(name)",
                        project: name
                    )
                    actions = queue.enqueue(
                        PushWork(fullSync: true),
                        for: target,
                        events: [Int64(index)],
                        createdAt: now,
                        now: now
                    )
                case .finish(let pick, let failed):
                    guard !running.isEmpty else {
                        actions = queue.wakeUp(now: now)  // a tick: retries fall due as time passes
                        break
                    }
                    let task = running.remove(at: pick % running.count)
                    let result: PushAttemptResult =
                        failed ? .transientFailure(code: .network, message: "hung up") : .succeeded
                    actions = queue.pushFinished(task.id, result: result, now: now)
                case .abandon(let pick):
                    guard !running.isEmpty else {
                        actions = queue.wakeUp(now: now)
                        break
                    }
                    let task = running.remove(at: pick % running.count)
                    queue.abandon(task.id, project: task.target.project)
                    actions = queue.wakeUp(now: now)
                case .wait:
                    actions = queue.wakeUp(now: now)
                }
                running += actions.started
                Self.expectSaturated(queue, running: running, now: now)
            }
        }
    }

    static func expectSaturated(_ queue: TestQueue, running: [PushTask<ManualInstant>], now: ManualInstant) {
        let busyURLs = Set(running.map(\.target.url))
        for (remote, limit) in Self.threads {
            let runs = running.count { $0.target.remote == remote }
            #expect(runs <= limit, "remote \(remote) runs \(runs) pushes, its threads are \(limit)")
            let waiting = queue.pending.values.filter {
                $0.target.remote == remote && $0.dueAt <= now && !busyURLs.contains($0.target.url)
            }
            #expect(
                runs == limit || waiting.isEmpty,
                "remote \(remote) has a free thread and startable \(waiting.map(\.target.url))"
            )
        }
        #expect(Set(queue.pending.remotes) == Set(queue.pending.values.map(\.target.remote)))
    }
}
