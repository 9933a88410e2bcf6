import Synchronization

/// Stops a push that runs in this process: whatever network step it is blocked in fails at once
/// (its ssh socket is shut down, its local receive-pack stopped), and no further step starts.
package final class PushCancellation: Sendable {
    private let state = Mutex<(reason: String?, interrupts: [Int: @Sendable () -> Void], next: Int)>(
        (nil, [:], 0)
    )

    package init() {}

    package var isCancelled: Bool { self.state.withLock { $0.reason != nil } }

    /// Why the push was stopped, once it was.
    package var reason: String? { self.state.withLock { $0.reason } }

    /// Stops the push; `reason` is what its failure says (the first reason given stays).
    package func cancel(reason: String = PushCancellation.shutdownReason) {
        let interrupts = self.state.withLock { state in
            state.reason = state.reason ?? reason
            return Array(state.interrupts.values)
        }
        for interrupt in interrupts { interrupt() }
    }

    /// Runs `body`; a ``cancel()`` meanwhile calls `interrupt` (from the cancelling thread).
    func whileRunning<Result>(
        interrupt: @escaping @Sendable () -> Void,
        _ body: () throws(GitError) -> Result
    ) throws(GitError) -> Result {
        let token = self.register(interrupt)
        defer { self.unregister(token) }
        guard !self.isCancelled else { throw self.stopped }
        return try body()
    }

    /// `interrupt` runs on ``cancel()`` until it is unregistered (at once, if already cancelled).
    func register(_ interrupt: @escaping @Sendable () -> Void) -> Int {
        let (token, cancelled) = self.state.withLock { state in
            state.next += 1
            state.interrupts[state.next] = interrupt
            return (state.next, state.reason != nil)
        }
        if cancelled { interrupt() }
        return token
    }

    func unregister(_ token: Int) {
        _ = self.state.withLock { $0.interrupts.removeValue(forKey: token) }
    }

    package static let shutdownReason = "stopped before it finished (shutdown); the push stays queued"

    /// The error a stopped push's next step fails with.
    var stopped: GitError {
        GitError(code: .network, function: "push", status: -1, message: self.reason ?? Self.shutdownReason)
    }
}
