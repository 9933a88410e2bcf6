import HeapModule

/// The queue's pending tasks by target, with how many each remote has and each remote's tasks in
/// due order: ``ReplicationQueue/wakeUp(now:)`` runs after every enqueue and outcome, and a pass
/// over every pending task each time made a full sync of N projects cost N² (600 projects: 360,000
/// task copies; 10,000: 100 million). Now a start looks at the head of each remote's order.
package struct PendingTasks<Instant: InstantProtocol>: Sendable, Sequence
where Instant: Sendable, Instant.Duration == Duration {
    package typealias Task = PushTask<Instant>

    /// A task's place in its remote's due order: earliest `dueAt` first, then the lowest id.
    struct Place: Comparable, Sendable {
        let dueAt: Instant
        let id: Int
        let target: PushTarget

        static func < (lhs: Place, rhs: Place) -> Bool { (lhs.dueAt, lhs.id) < (rhs.dueAt, rhs.id) }
        static func == (lhs: Place, rhs: Place) -> Bool {
            (lhs.dueAt, lhs.id) == (rhs.dueAt, rhs.id) && lhs.target == rhs.target
        }
    }

    private var tasks: [PushTarget: Task] = [:]
    /// Pending tasks per remote; a remote with none has no entry.
    private var perRemote: [String: Int] = [:]
    /// Each remote's places, with stale ones (a task removed or changed since) left in until they
    /// come to the top, where ``isCurrent(_:)`` drops them.
    private var order: [String: Heap<Place>] = [:]

    package init() {}

    package var count: Int { self.tasks.count }
    package var isEmpty: Bool { self.tasks.isEmpty }
    package var values: Dictionary<PushTarget, Task>.Values { self.tasks.values }
    /// The remotes with at least one pending task.
    package var remotes: Dictionary<String, Int>.Keys { self.perRemote.keys }

    package subscript(target: PushTarget) -> Task? {
        get { self.tasks[target] }
        set {
            guard let newValue else {
                self.removeValue(forKey: target)
                return
            }
            let previous = self.tasks.updateValue(newValue, forKey: target)
            if previous == nil { self.perRemote[target.remote, default: 0] += 1 }
            if previous?.dueAt != newValue.dueAt || previous?.id != newValue.id {
                self.place(Place(dueAt: newValue.dueAt, id: newValue.id, target: target))
            }
        }
    }

    @discardableResult
    package mutating func removeValue(forKey target: PushTarget) -> Task? {
        guard let removed = self.tasks.removeValue(forKey: target) else { return nil }
        let left = self.perRemote[target.remote, default: 1] - 1
        self.perRemote[target.remote] = left > 0 ? left : nil
        if left == 0 { self.order[target.remote] = nil }
        return removed
    }

    package mutating func removeAll(where shouldBeRemoved: (PushTarget) -> Bool) {
        for target in self.tasks.keys where shouldBeRemoved(target) { self.removeValue(forKey: target) }
    }

    package mutating func removeAll() {
        self.tasks.removeAll()
        self.perRemote.removeAll()
        self.order.removeAll()
    }

    package func makeIterator() -> Dictionary<PushTarget, Task>.Iterator { self.tasks.makeIterator() }

    /// The earliest place in `remote`'s order that is due at `now` and whose target `isStartable`
    /// says may start (its URL is not busy); `nil` when there is none.
    mutating func firstDue(in remote: String, now: Instant, where isStartable: (PushTarget) -> Bool)
        -> Place?
    {
        guard var heap = self.order.removeValue(forKey: remote) else { return nil }
        var passedOver: [Place] = []
        var found: Place?
        while let top = heap.min, top.dueAt <= now {
            guard self.isCurrent(top) else {
                heap.removeMin()
                continue
            }
            guard isStartable(top.target) else {
                passedOver.append(heap.removeMin())
                continue
            }
            found = top
            break
        }
        heap.insert(contentsOf: passedOver)
        self.order[remote] = heap
        return found
    }

    private func isCurrent(_ place: Place) -> Bool {
        guard let task = self.tasks[place.target] else { return false }
        return task.id == place.id && task.dueAt == place.dueAt
    }

    /// Adds a place; a heap that grew to more than twice its remote's tasks is rebuilt from them,
    /// so that places left stale by tasks changed again and again never pile up.
    private mutating func place(_ place: Place) {
        let remote = place.target.remote
        var heap = self.order.removeValue(forKey: remote) ?? Heap()
        heap.insert(place)
        let live = self.perRemote[remote, default: 0]
        if heap.count > 2 * live + 16 {
            heap = Heap(
                self.tasks.lazy.filter { $0.key.remote == remote }
                    .map { Place(dueAt: $0.value.dueAt, id: $0.value.id, target: $0.key) }
            )
        }
        self.order[remote] = heap
    }
}
