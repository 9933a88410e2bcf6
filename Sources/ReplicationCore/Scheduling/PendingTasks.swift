/// The queue's pending tasks by target, with how many each remote has: ``ReplicationQueue/wakeUp(now:)``
/// asks "does any pending task belong to a remote with a free thread?" after every enqueue and
/// outcome, and with 600 projects queued and every thread busy that was a pass over 600 tasks (a
/// string hash each) per call; per remote it is one look per remote.
package struct PendingTasks<Instant: InstantProtocol>: Sendable, Sequence
where Instant: Sendable, Instant.Duration == Duration {
    package typealias Task = PushTask<Instant>

    private var tasks: [PushTarget: Task] = [:]
    /// Pending tasks per remote; a remote with none has no entry.
    private var perRemote: [String: Int] = [:]

    package init() {}

    package var count: Int { self.tasks.count }
    package var isEmpty: Bool { self.tasks.isEmpty }
    package var values: Dictionary<PushTarget, Task>.Values { self.tasks.values }
    /// The remotes with at least one pending task.
    package var remotes: Dictionary<String, Int>.Keys { self.perRemote.keys }

    package subscript(target: PushTarget) -> Task? {
        get { self.tasks[target] }
        set {
            if let newValue {
                if self.tasks.updateValue(newValue, forKey: target) == nil {
                    self.perRemote[target.remote, default: 0] += 1
                }
            } else {
                self.removeValue(forKey: target)
            }
        }
    }

    @discardableResult
    package mutating func removeValue(forKey target: PushTarget) -> Task? {
        guard let removed = self.tasks.removeValue(forKey: target) else { return nil }
        let left = self.perRemote[target.remote, default: 1] - 1
        self.perRemote[target.remote] = left > 0 ? left : nil
        return removed
    }

    package mutating func removeAll(where shouldBeRemoved: (PushTarget) -> Bool) {
        for target in self.tasks.keys where shouldBeRemoved(target) { self.removeValue(forKey: target) }
    }

    package mutating func removeAll() {
        self.tasks.removeAll()
        self.perRemote.removeAll()
    }

    package func makeIterator() -> Dictionary<PushTarget, Task>.Iterator { self.tasks.makeIterator() }
}
