package import ReplicationCore

/// How one URL's last push went, kept in the store so that `/status` and the status page still
/// say when each mirror was last pushed (and why it failed) after a restart. Times are seconds
/// since 1970. One per URL, replaced by the next push there.
package struct LastPush: Hashable, Sendable, Codable {
    package struct Failure: Hashable, Sendable, Codable {
        package var at: Double
        package var result: PushAttemptResult.Kind
        package var code: FailureCode?
        package var message: String

        package init(at: Double, result: PushAttemptResult.Kind, code: FailureCode?, message: String) {
            self.at = at
            self.result = result
            self.code = code
            self.message = message
        }
    }

    package var target: PushTarget
    package var finishedAt: Double
    package var durationSeconds: Double
    package var result: PushAttemptResult.Kind
    package var lastSuccessAt: Double?
    package var lastFailure: Failure?
    package var consecutiveFailures: Int
    /// The URL was left in the failed state (a permanent failure, until a push succeeds).
    package var isFailed: Bool
    package var refused: String?
    package var blocked: String?

    package init(
        target: PushTarget,
        finishedAt: Double,
        durationSeconds: Double,
        result: PushAttemptResult.Kind,
        lastSuccessAt: Double? = nil,
        lastFailure: Failure? = nil,
        consecutiveFailures: Int = 0,
        isFailed: Bool = false,
        refused: String? = nil,
        blocked: String? = nil
    ) {
        self.target = target
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.result = result
        self.lastSuccessAt = lastSuccessAt
        self.lastFailure = lastFailure
        self.consecutiveFailures = consecutiveFailures
        self.isFailed = isFailed
        self.refused = refused
        self.blocked = blocked
    }
}
