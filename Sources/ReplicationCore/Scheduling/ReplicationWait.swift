/// Whether one ref has reached every URL that should receive it (`replicator wait`, `GET /wait`).
/// Pure: fed with one listing per URL, the store's ref statuses and failing URLs, it answers.
package struct ReplicationWait: Sendable {
    package enum Status: String, Hashable, Sendable, Codable {
        /// Every URL in scope has the ref at the expected value (or a descendant of it).
        case replicated
        /// Some URL does not have it yet.
        case pending
        /// A URL refused the ref (or a rule keeps it back there); it will not arrive by waiting.
        case refused
        /// No selected remote replicates the ref.
        case outOfScope = "out-of-scope"
        /// A URL fails permanently (keys, host keys, a missing repository).
        case failing
        /// The time ran out first.
        case timeout
    }

    /// One URL's state.
    package struct TargetAnswer: Hashable, Sendable, Codable {
        package var remote: String
        package var url: String
        package var status: Status
        package var mirrorID: String?
        package var reason: String?

        private enum CodingKeys: String, CodingKey {
            case remote, url, status, mirrorID = "mirrorId", reason
        }
    }

    /// What `wait` prints and `/wait` answers.
    package struct Answer: Hashable, Sendable, Codable {
        package var project: String
        package var ref: String
        /// The value waited for; `nil`: the ref's deletion.
        package var sha: String?
        package var status: Status
        package var reason: String?
        package var targets: [TargetAnswer]
        /// Remotes that do not replicate the ref, with the planner's reason.
        package var outOfScope: [TargetAnswer]
    }

    package let project: String
    package let ref: String
    package let expected: ObjectID?
    /// Seconds since 1970 when the wait began: only statuses recorded after it count.
    package let startedAt: Double
    private var targets: [PushTarget: TargetAnswer] = [:]
    private let excluded: [TargetAnswer]

    /// `scope` has every URL of every selected remote that replicates the project, with the reason
    /// the planner keeps the ref from it (`nil`: it should arrive there).
    package init(
        project: String,
        ref: String,
        expected: ObjectID?,
        startedAt: Double,
        scope: [(target: PushTarget, exclusion: String?)]
    ) {
        self.project = project
        self.ref = ref
        self.expected = expected
        self.startedAt = startedAt
        var excluded: [TargetAnswer] = []
        for (target, exclusion) in scope {
            let answer = TargetAnswer(remote: target.remote, url: target.url, status: .pending, reason: exclusion)
            if let exclusion {
                excluded.append(
                    TargetAnswer(remote: target.remote, url: target.url, status: .outOfScope, reason: exclusion)
                )
            } else {
                self.targets[target] = answer
            }
        }
        self.excluded = excluded
    }

    /// The one listing of `target` at the start (or a later confirmation): the mirror's value.
    /// `contains(id)` says whether `id` contains the expected commit.
    package mutating func listed(_ target: PushTarget, mirror value: ObjectID?, contains: (ObjectID) -> Bool) {
        guard var answer = self.targets[target], answer.status == .pending else { return }
        answer.mirrorID = value?.hex
        if self.arrived(value, contains: contains) {
            answer.status = .replicated
            answer.reason = nil
        }
        self.targets[target] = answer
    }

    /// The store's statuses of the ref: a push after the wait began that wrote it (or found it
    /// equal), refused it, or kept it back.
    package mutating func recorded(_ statuses: [StoredRefStatus], contains: (ObjectID) -> Bool) {
        for stored in statuses where stored.recordedAt >= self.startedAt {
            guard var answer = self.targets[stored.target], answer.status == .pending else { continue }
            switch stored.status.status {
            case .ok, .upToDate:
                let written = stored.status.newID
                if stored.status.newID == nil && self.expected == nil || self.arrived(written, contains: contains) {
                    answer.status = .replicated
                    answer.mirrorID = written?.hex
                    answer.reason = nil
                } else {
                    answer.reason =
                        "the last push wrote \(stored.status.newID?.hex ?? "a deletion"), not the value waited for"
                }
            case .rejected, .skipped:
                answer.status = .refused
                answer.reason = stored.status.message ?? stored.status.status.rawValue
            case .held:
                answer.reason = "held by the mass-deletion guard: \(stored.status.message ?? "")"
            case .failed:
                answer.reason = "the last push failed: \(stored.status.message ?? "") (retried)"
            }
            self.targets[stored.target] = answer
        }
    }

    /// A URL the daemon reports as failing permanently.
    package mutating func failing(_ target: PushTarget, reason: String) {
        guard var answer = self.targets[target], answer.status == .pending else { return }
        answer.status = .failing
        answer.reason = reason
        self.targets[target] = answer
    }

    /// The answer now; `timedOut` turns a pending one into ``Status/timeout``.
    package func answer(timedOut: Bool = false) -> Answer {
        let targets = self.targets.values.sorted { ($0.remote, $0.url) < ($1.remote, $1.url) }
        let status: Status
        var reason: String?
        if targets.isEmpty {
            status = .outOfScope
            reason = self.excluded.first?.reason ?? "no selected remote replicates this project"
        } else if let refused = targets.first(where: { $0.status == .refused }) {
            status = .refused
            reason = "\(refused.remote) \(refused.url): \(refused.reason ?? "refused")"
        } else if let failing = targets.first(where: { $0.status == .failing }) {
            status = .failing
            reason = "\(failing.remote) \(failing.url): \(failing.reason ?? "failing")"
        } else if targets.allSatisfy({ $0.status == .replicated }) {
            status = .replicated
        } else {
            status = timedOut ? .timeout : .pending
            let waiting = targets.filter { $0.status == .pending }.map { "\($0.remote) \($0.url)" }
            reason = timedOut ? "not yet at \(waiting.joined(separator: ", "))" : nil
        }
        return Answer(
            project: self.project,
            ref: self.ref,
            sha: self.expected?.hex,
            status: status,
            reason: reason,
            targets: targets,
            outOfScope: self.excluded
        )
    }

    private func arrived(_ value: ObjectID?, contains: (ObjectID) -> Bool) -> Bool {
        guard let expected = self.expected else { return value == nil }
        guard let value else { return false }
        return value == expected || contains(value)
    }
}
