/// How one push job (a project, a URL, its work) ended: the push's report, or the error that
/// stopped it before anything was sent. The push worker prints it, the engine classifies it for
/// the scheduler, the store keeps it for `start --wait`, which reports it.
package struct PushOutcome: Sendable, Codable, Equatable {
    /// Why a job stopped (``FailureCode``) and a message for a person.
    package struct Failure: Hashable, Sendable, Codable {
        package var code: FailureCode
        package var message: String

        package init(code: FailureCode, message: String) {
            self.code = code
            self.message = message
        }

        package var failureClass: FailureClass { self.code.failureClass }
    }

    package var report: PushReport?
    package var error: Failure?
    /// A project deletion: whether there was a mirror to delete.
    package var deletedRepository: Bool?
    /// A full sync or a HEAD update: the ref the mirror's HEAD was moved to.
    package var updatedHead: String?

    package init(report: PushReport? = nil, error: Failure? = nil) {
        self.report = report
        self.error = error
    }
}

/// Whether a failure may go away by itself.
package enum FailureClass: String, Hashable, Sendable, Codable {
    /// Retried with backoff.
    case transient
    /// Needs a person; the URL is marked failed and probed again later.
    case permanent
}

extension PushOutcome {
    /// The scheduler's view of the outcome.
    package var attemptResult: PushAttemptResult {
        if let error {
            switch error.code {
            case .sourceMissing: return .sourceMissing(error.message)
            case .deletionRefused: return .refsRejected(error.message)
            default:
                return error.failureClass == .permanent
                    ? .permanentFailure(code: error.code, message: error.message)
                    : .transientFailure(code: error.code, message: error.message)
            }
        }
        guard let report else { return .succeeded }
        if let blocked = report.plan.blocked { return .blocked(blocked, deletions: report.plan.deletions.count) }
        if let failure = report.failure { return .transientFailure(code: .network, message: failure) }
        if report.hasUpdateRefFailure {
            return .updateRefFailed(
                Self.describe(report.results.filter { RefResult.isUpdateRefFailure($0.message ?? "") })
            )
        }
        let unconfirmed = report.results.filter { $0.status == .failed }
        if !unconfirmed.isEmpty { return .transientFailure(code: .network, message: Self.describe(unconfirmed)) }
        let rejected = report.results.filter { $0.status == .rejected }
        return rejected.isEmpty ? .succeeded : .refsRejected(Self.describe(rejected))
    }

    private static func describe(_ results: [RefResult]) -> String {
        let shown = results.prefix(3).map { "\($0.update.destination): \($0.message ?? $0.status.rawValue)" }
        let more = results.count > 3 ? " (+\(results.count - 3) more)" : ""
        return shown.joined(separator: "; ") + more
    }

    /// Planned updates by outcome, for metrics and the audit line. A held push's refs (nothing
    /// was sent: `maxDeletions`) are no outcome: see ``heldRefs``.
    package var refOutcomes: [RefResult.Status: Int] {
        var outcomes: [RefResult.Status: Int] = [:]
        for result in self.report?.results ?? [] where self.report?.plan.blocked == nil {
            outcomes[result.status, default: 0] += 1
        }
        if let upToDate = self.report?.plan.upToDate, upToDate > 0 { outcomes[.upToDate, default: 0] += upToDate }
        return outcomes
    }

    /// The refs of a push held by `maxDeletions` until allowed.
    package var heldRefs: Int { self.report?.plan.blocked == nil ? 0 : self.report?.results.count ?? 0 }

    /// Refs by outcome as the metrics label them: the statuses, and `held`.
    package var refOutcomeLabels: [String: Int] {
        var labels = Dictionary(uniqueKeysWithValues: self.refOutcomes.map { ($0.key.rawValue, $0.value) })
        if self.heldRefs > 0 { labels["held"] = self.heldRefs }
        return labels
    }

    package var bytesSent: Int { self.report?.bytesSent ?? 0 }

    /// Facts for the audit line (`repository.created`, `head`, …).
    package var notes: [String: String] {
        var notes: [String: String] = [:]
        if self.report?.createdRepository == true { notes["repository.created"] = "true" }
        if let deleted = self.deletedRepository { notes["repository.deleted"] = "\(deleted)" }
        if let head = self.updatedHead { notes["head"] = head }
        if let removed = self.report?.removedStaleLocks, !removed.isEmpty {
            notes["stale-locks.removed"] = removed.joined(separator: " ")
        }
        return notes
    }

    /// Refs the mirror did not take, deletions refused for want of proof, and copies left on a
    /// remote that may no longer see them: a log line each.
    package var refProblems: [RefProblem] {
        let results = self.report?.results ?? []
        let refused = results.filter { $0.status == .rejected || $0.status == .failed }.map {
            RefProblem(ref: $0.update.destination, status: $0.status.rawValue, reason: $0.message ?? "")
        }
        let skipped = self.report?.plan.skipped ?? []
        let unproven = skipped.filter { $0.kind == .unprovenDeletion }
            .map { RefProblem(ref: $0.ref, status: "not-deleted", reason: $0.reason) }
        let residue = skipped.filter { $0.kind == .noLongerVisible }
            .map { RefProblem(ref: $0.ref, status: "no-longer-visible", reason: $0.reason) }
        return refused + unproven + residue
    }
}

/// A ref the mirror did not take.
package struct RefProblem: Hashable, Sendable {
    package var ref: String
    package var status: String
    package var reason: String

    package init(ref: String, status: String, reason: String) {
        self.ref = ref
        self.status = status
        self.reason = reason
    }
}
