/// What the scheduler remembers about one URL, for `/status` and for the failed state.
package struct TargetHealth<Instant: InstantProtocol>: Hashable, Sendable where Instant: Sendable {
    /// The target last pushed at this URL.
    package var target: PushTarget?
    package var lastSuccess: Instant?
    package var lastFailure: (at: Instant, result: PushAttemptResult)? {
        get { self.failure.map { ($0.at, $0.result) } }
        set { self.failure = newValue.map { Failure(at: $0.at, result: $0.result) } }
    }
    package var consecutiveFailures = 0
    /// Set while the URL fails permanently (authentication, host key); cleared by a success.
    package var isFailed = false
    package var lastBlocked: String?
    /// The refs the mirror refused in the last push that reached it, with the server's reason and
    /// the host's class and words (``HostRefusal``); cleared by a push that had none refused.
    package var lastRefusal: String?

    private var failure: Failure?

    private struct Failure: Hashable, Sendable {
        var at: Instant
        var result: PushAttemptResult
    }

    package init() {}
}
