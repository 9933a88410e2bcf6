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

    static func policies(delays: [Int] = [0, 0, 0]) -> [String: SchedulingPolicy] {
        Dictionary(
            uniqueKeysWithValues: zip(Self.threads, delays).map { threads, delay in
                (
                    threads.remote,
                    SchedulingPolicy(
                        replicationDelay: .seconds(delay),
                        replicationRetry: .seconds(1),
                        maxRetries: 3,
                        updateRefErrorMaxRetries: 0,
                        threads: threads.limit
                    )
                )
            }
        )
    }

    static func target(remote: Int, project: Int) -> PushTarget {
        let name = Self.projects[project]
        return PushTarget(remote: Self.remotes[remote], url: "\(Self.remotes[remote])/\(name)", project: name)
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
                    let target = Self.target(remote: remote, project: project)
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

    /// Every wake-up starts what a pass over all pending tasks would, in the same order: the due
    /// task with the earliest (due time, id) whose URL is free, on a remote with a free thread, then
    /// the next. The oracle is that pass, as the queue made it before it kept a due order per remote.
    @Test func wakeUpStartsTheOldestDueTasksFirstAfterAnySchedule() async {
        await propertyCheck(input: Self.steps.array(of: 1...80)) { steps in
            var queue = TestQueue(policies: Self.policies(delays: [0, 2, 5]))
            var running: [PushTask<ManualInstant>] = []
            var now = ManualInstant.zero
            for (index, step) in steps.enumerated() {
                now = now.advanced(by: .milliseconds(700))
                switch step {
                case .enqueue(let remote, let project):
                    let target = Self.target(remote: remote, project: project)
                    running +=
                        queue.enqueue(
                            PushWork(fullSync: true),
                            for: target,
                            events: [Int64(index)],
                            createdAt: now,
                            immediately: index % 5 == 0,
                            startingDue: false,
                            now: now
                        ).started
                case .finish(let pick, let failed) where !running.isEmpty:
                    let task = running.remove(at: pick % running.count)
                    let result: PushAttemptResult =
                        failed ? .transientFailure(code: .network, message: "hung up") : .succeeded
                    running += queue.pushFinished(task.id, result: result, now: now).started
                case .abandon(let pick) where !running.isEmpty:
                    let task = running.remove(at: pick % running.count)
                    queue.abandon(task.id, project: task.target.project)
                default:
                    break
                }
                let expected = Self.oldestFirst(queue.pending.values, running: running, now: now)
                let started = queue.wakeUp(now: now).started
                #expect(started.map(\.id) == expected, "step \(index): \(step)")
                running += started
            }
        }
    }

    /// The starts a pass over every pending task gives, one after another.
    static func oldestFirst(
        _ pending: some Sequence<PushTask<ManualInstant>>,
        running: [PushTask<ManualInstant>],
        now: ManualInstant
    ) -> [Int] {
        var waiting = Array(pending)
        var busy = Set(running.map(\.target.url))
        var runs = Dictionary(grouping: running, by: \.target.remote).mapValues(\.count)
        let limits = Dictionary(uniqueKeysWithValues: Self.threads.map { ($0.remote, $0.limit) })
        var started: [Int] = []
        while let next = waiting.filter({
            $0.dueAt <= now && !busy.contains($0.target.url)
                && runs[$0.target.remote, default: 0] < limits[$0.target.remote, default: 1]
        }).min(by: { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }) {
            started.append(next.id)
            busy.insert(next.target.url)
            runs[next.target.remote, default: 0] += 1
            waiting.removeAll { $0.id == next.id }
        }
        return started
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
