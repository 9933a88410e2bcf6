/// What the daemon's reconcile queues for a drift: delta work for exactly the refs that differ,
/// never a full sync (docs/operations.md, "Reconcile").
package struct DriftRepair: Hashable, Sendable {
    /// Source refs to push (or delete) as one `ref-updated` event, with the mirror values that
    /// prove a deletion.
    package var refs: [String]
    package var knownValues: [String: [String]]
    /// Differences left as they are, each with the reason.
    package var reported: [Left]

    /// A difference the reconcile does not repair, and why.
    package struct Left: Hashable, Sendable {
        package var drift: RefDrift
        package var reason: String
    }

    /// Missing and stale refs are pushed; diverged and ahead ones only under a forced (`+`) refspec;
    /// extra refs are deleted as a full sync would prune them (`mirror = true`), or, for copies the
    /// remote may no longer see, wherever deletions propagate. The push plans them like any event,
    /// so the mass-deletion guard holds too many deletions.
    package init(_ drift: MirrorDrift, remote: RemoteConfiguration) {
        var refs: [String] = []
        var values: [String: [String]] = [:]
        var reported: [Left] = []
        for difference in drift.differences {
            if let reason = Self.reasonToLeave(difference, remote: remote) {
                reported.append(Left(drift: difference, reason: reason))
                continue
            }
            refs.append(difference.source)
            if difference.kind == .extra, let id = difference.mirrorID {
                values[difference.source, default: []].append(id.hex)
            }
        }
        self.refs = refs
        self.knownValues = values
        self.reported = reported
    }

    package var isEmpty: Bool { self.refs.isEmpty }

    /// The event that repairs the drift on one URL of one remote only.
    package func event(project: String, remote: String, url: String) -> ReplicationEvent? {
        guard !self.refs.isEmpty else { return nil }
        var event = ReplicationEvent.refUpdated(project: project, refs: self.refs, values: self.knownValues)
        event.remotes = [remote]
        event.urls = [url]
        return event
    }

    private static func reasonToLeave(_ drift: RefDrift, remote: RemoteConfiguration) -> String? {
        switch drift.kind {
        case .missing, .stale:
            return nil
        case .diverged, .ahead:
            guard drift.isForced else {
                return "\(drift.kind.rawValue) under a non-forced refspec: reported, not forced"
            }
            return nil
        case .extra:
            if remote.isMirror { return nil }
            if drift.hiddenReason != nil, remote.replicateDeletions { return nil }
            return "only on the mirror; pruned only with mirror = true"
        }
    }
}
