/// The last thing a push did with one ref on one URL, as the store keeps it for `replicator
/// explain` (and whoever waits for a ref).
package struct RefStatus: Hashable, Sendable, Codable {
    package enum Status: String, Hashable, Sendable, Codable {
        case ok
        case upToDate = "up-to-date"
        case rejected
        case failed
        /// Planned but not pushed: a rule kept it back (the message says which).
        case skipped
        /// Held by the mass-deletion guard with the rest of its push.
        case held
    }

    /// The source ref (the mirror's ref for deletions of refs the source no longer has).
    package var ref: String
    package var status: Status
    package var message: String?
    /// What the push wrote (`ok`) or found (`up-to-date`); `nil` for a deletion or when unknown.
    /// An id, not its hex: a push of 100,000 refs held 8 MB of hex strings until its end was stored.
    package var newID: ObjectID?

    package init(ref: String, status: Status, message: String? = nil, newID: ObjectID? = nil) {
        self.ref = ref
        self.status = status
        self.message = message
        self.newID = newID
    }
}

/// A ``RefStatus`` as stored: which URL, and when (seconds since 1970).
package struct StoredRefStatus: Hashable, Sendable, Codable {
    package var target: PushTarget
    package var status: RefStatus
    package var recordedAt: Double

    package init(target: PushTarget, status: RefStatus, recordedAt: Double) {
        self.target = target
        self.status = status
        self.recordedAt = recordedAt
    }
}

extension PushOutcome {
    /// What this push did with each ref it planned or was asked about: every result, every skipped
    /// ref with its reason, a held plan's refs, and, when the push failed before a plan, the refs
    /// the work named (none when it ended without a plan or an error).
    package func refStatuses(for work: PushWork) -> [RefStatus] {
        guard let report = self.report else {
            // No report and no error: nothing was pushed (a project deletion, a HEAD update).
            guard let error = self.error else { return [] }
            return work.refs.sorted().map { RefStatus(ref: $0, status: .failed, message: error.message) }
        }
        if let blocked = report.plan.blocked {
            return report.plan.updates.map {
                RefStatus(ref: $0.source ?? $0.destination, status: .held, message: blocked)
            }
        }
        // One list, sized once: a first push of 100,000 refs copied it twice more.
        var statuses: [RefStatus] = []
        statuses.reserveCapacity(report.results.count + report.plan.skipped.count + work.refs.count)
        for result in report.results {
            statuses.append(
                RefStatus(
                    ref: result.update.source ?? result.update.destination,
                    status: .init(result.status),
                    message: result.message,
                    newID: result.update.newID
                )
            )
        }
        statuses += report.plan.skipped.map { RefStatus(ref: $0.ref, status: .skipped, message: $0.reason) }
        // A delta's refs that needed nothing were already equal on the mirror (a full sync names
        // none: no set of its names).
        guard !work.refs.isEmpty else { return statuses }
        let named = Set(statuses.lazy.map(\.ref))
        statuses += work.refs.subtracting(named).sorted().map { RefStatus(ref: $0, status: .upToDate, message: nil) }
        return statuses
    }
}

extension RefStatus.Status {
    init(_ status: RefResult.Status) {
        switch status {
        case .ok: self = .ok
        case .upToDate: self = .upToDate
        case .rejected: self = .rejected
        case .failed: self = .failed
        }
    }
}
