import Foundation
import ReplicationCore

/// The scheduler's cost for a full sync of `projects` projects to one remote with `threads = 4`:
/// every project queued at once, then each push's end starts the next, as `start --all` runs them.
/// Returns milliseconds.
func scheduleFullSync(projects: Int) -> Double {
    let policy = SchedulingPolicy(
        replicationDelay: .zero,
        replicationRetry: .seconds(60),
        maxRetries: 0,
        updateRefErrorMaxRetries: 0,
        threads: 4
    )
    var queue = ReplicationQueue<ContinuousClock.Instant>(policies: ["mirror": policy])
    let now = ContinuousClock.now
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for index in 0..<projects {
            let target = PushTarget(remote: "mirror", url: "/srv/mirror/p\(index).git", project: "p\(index)")
            _ = queue.enqueue(
                PushWork(fullSync: true),
                for: target,
                events: [Int64(index)],
                createdAt: now,
                startingDue: false,
                now: now
            )
        }
        var running = startedIDs(queue.wakeUp(now: now))
        var finished = 0
        while let id = running.first {
            running.removeFirst()
            running += startedIDs(queue.pushFinished(id, result: .succeeded, now: now))
            finished += 1
        }
        precondition(finished == projects, "finished \(finished) of \(projects)")
    }
    return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
}

private func startedIDs(_ actions: [ReplicationQueue<ContinuousClock.Instant>.Action]) -> [Int] {
    actions.compactMap { action in
        if case .startPush(let task) = action { return task.id }
        return nil
    }
}
