import ReplicationCore

/// Gerrit's replication events out (``ReplicationNotice``): what the state remembers of each
/// pending event to say `ref-replication-done`, and the notices of each step.
extension EngineState {
    /// What an event's done notices name: its project, the refs its pushes carried, how many URLs.
    struct NoticeSubject: Sendable {
        var project: String
        var refs: [String]
        var deletesProject: Bool
        var nodesCount: Int
    }

    var noticeSeconds: Int { Int(self.wall) }

    /// `stored` was planned for `targets` (`nodesCount` counts those already done with it too);
    /// its scheduled notices go out the first time only (a reload plans it again).
    mutating func scheduledNotices(
        _ stored: StoredEvent,
        targets: [(target: PushTarget, work: PushWork)],
        nodesCount: Int
    ) -> [ReplicationNotice] {
        var refs = Set(targets.flatMap(\.work.refs)).sorted()
        if targets.contains(where: \.work.fullSync) { refs.insert(ReplicationNotice.allRefs, at: 0) }
        let announced = self.noticeSubjects[stored.id] != nil
        self.noticeSubjects[stored.id] = NoticeSubject(
            project: stored.event.project,
            refs: refs,
            deletesProject: targets.contains(where: \.work.deleteProject),
            nodesCount: nodesCount
        )
        guard !announced else { return [] }
        return targets.flatMap { ReplicationNotice.scheduled($0.work, to: $0.target, at: self.noticeSeconds) }
    }

    /// The done notices of events every URL is done with; they are forgotten.
    mutating func doneNotices(_ completed: [Int64]) -> [ReplicationNotice] {
        completed.flatMap { id -> [ReplicationNotice] in
            guard let subject = self.noticeSubjects.removeValue(forKey: id) else { return [] }
            return ReplicationNotice.done(
                project: subject.project,
                refs: subject.refs,
                deletesProject: subject.deletesProject,
                nodesCount: subject.nodesCount,
                at: self.noticeSeconds
            )
        }
    }

    /// The notices' store write, or nothing when there are none or the engine publishes none.
    func publishing(_ notices: [ReplicationNotice]) -> [Action] {
        notices.isEmpty || !self.options.publishesNotices ? [] : [.apply([.notices(notices)])]
    }
}
