package import ReplicationCore

/// Runs one push (the composition root plugs in the libgit2 worker; tests plug in fakes). It must
/// return when its task is cancelled (a drain that ran out of time), leaving the events queued.
package protocol PushExecutor: Sendable {
    func push(_ work: PushWork, to target: PushTarget) async -> PushExecution
}

/// How a push went: the scheduler's view, counts for metrics and the audit line, and the full report.
package struct PushExecution: Sendable {
    package var result: PushAttemptResult
    /// Planned updates by outcome (`ok`, `up-to-date`, `rejected`, `failed`).
    package var refOutcomes: [String: Int]
    package var bytesSent: Int
    /// The executor's report, kept for `start --wait` (a push worker's JSON output).
    package var detail: String
    /// Facts for the audit line (`repository.created`, `head`, …).
    package var notes: [String: String]
    /// Refs that were refused or not confirmed, each logged on its own line.
    package var refProblems: [RefProblem] = []

    package init(
        result: PushAttemptResult,
        refOutcomes: [String: Int] = [:],
        bytesSent: Int = 0,
        detail: String = "",
        notes: [String: String] = [:]
    ) {
        self.result = result
        self.refOutcomes = refOutcomes
        self.bytesSent = bytesSent
        self.detail = detail
        self.notes = notes
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

/// Where the engine gets its configuration, and a newer one when `gerrit.autoReload` is on.
package protocol ConfigurationSource: Sendable {
    /// A newer valid configuration when the file changed since the last call; `nil` otherwise.
    /// A changed file with errors is reported through `rejected` and the old configuration stays.
    func reloadIfChanged(rejected: (String) -> Void) -> ReplicationConfiguration?
}
