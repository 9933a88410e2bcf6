/// What happened to one planned update.
package struct RefResult: Hashable, Sendable, Codable {
    package enum Status: String, Hashable, Sendable, Codable {
        case ok
        case upToDate = "up-to-date"
        /// Refused for this ref only (by the server or a non-forced refspec); not retried.
        case rejected
        /// Not attempted or not confirmed, for a reason that concerns the whole push.
        case failed
    }

    package var update: RefUpdate
    package var status: Status
    /// The server's reason (`non-fast-forward`, `deletion prohibited`, `hook declined`, …) or ours.
    package var message: String?

    package init(update: RefUpdate, status: Status, message: String? = nil) {
        self.update = update
        self.status = status
        self.message = message
    }

    /// A compare-and-swap or lock failure on the mirror: transient, unlike other refusals (the
    /// next attempt reads the source and the mirror again, so the newest value is never given up).
    /// git's `failed to update ref` (a stale `.lock`, a ref that moved since it was advertised, a
    /// ref that appeared) and `atomic transaction failed` (the same inside an atomic push; a
    /// refused ref makes the others `atomic push failure` instead), JGit's `failed to lock` and
    /// `lock error`, `stale info` (a lease check) and `reference already exists`.
    package static func isUpdateRefFailure(_ message: String) -> Bool {
        Self.compareAndSwapFailures.contains { message.hasPrefix($0) }
    }

    private static let compareAndSwapFailures = [
        "failed to update ref", "failed to lock", "atomic transaction failed", "lock error", "stale info",
        "reference already exists",
    ]
}

/// The outcome of pushing one plan to one URL.
package struct PushReport: Sendable, Equatable {
    package var plan: UpdatePlan
    package var results: [RefResult]
    /// What the server wrote on its sideband (hook output, receive-pack errors).
    package var serverMessages: String
    package var bytesSent: Int
    /// The remote repository did not exist and was created first.
    package var createdRepository: Bool
    /// Why the push stopped part-way (a later batch could not be sent); its refs are `failed`.
    package var failure: String?
    /// The ref the mirror's HEAD was moved to, when it pointed elsewhere than the source's HEAD.
    package var updatedHead: String?
    /// Refs of a local mirror whose lock an interrupted git had left, removed after this push
    /// failed to update them (the next attempt can): `StaleRefLocks`.
    package var removedStaleLocks: [String] = []

    package init(
        plan: UpdatePlan,
        results: [RefResult],
        serverMessages: String = "",
        bytesSent: Int = 0,
        createdRepository: Bool = false,
        failure: String? = nil
    ) {
        self.plan = plan
        self.results = results
        self.serverMessages = serverMessages
        self.bytesSent = bytesSent
        self.createdRepository = createdRepository
        self.failure = failure
    }

    package var isSuccess: Bool { self.results.allSatisfy { $0.status == .ok || $0.status == .upToDate } }

    /// Gerrit's lock errors, retried up to `updateRefErrorMaxRetries`.
    package var hasUpdateRefFailure: Bool {
        self.results.contains { RefResult.isUpdateRefFailure($0.message ?? "") }
    }
}

extension RefResult {
    /// A ref's result from the server's report, for both push engines: `said` is the server's
    /// status line for the ref (`.some(nil)` ok, `.some(reason)` refused, `nil` not reported);
    /// `serverMessages` is its sideband text, from which a known host refusal is decoded.
    package static func reported(
        for update: RefUpdate,
        said: String??,
        serverMessages: String
    ) -> (result: RefResult, refusal: HostRefusal?) {
        switch said {
        case .some(nil): return (RefResult(update: update, status: .ok), nil)
        // A stale lock on the server is transient (Gerrit retries it up to updateRefErrorMaxRetries).
        case .some(let message?) where Self.isUpdateRefFailure(message):
            return (RefResult(update: update, status: .failed, message: message), nil)
        case .some(let message?):
            let refusal = HostRefusal.decode(reason: message, ref: update.destination, serverMessages: serverMessages)
            guard let refusal else { return (RefResult(update: update, status: .rejected, message: message), nil) }
            // A busy or rate-limiting host is retried like a network failure; a policy stays refused.
            let status: Status = refusal.kind == .retryLater ? .failed : .rejected
            return (RefResult(update: update, status: status, message: refusal.message(reason: message)), refusal)
        case nil:
            return (
                RefResult(update: update, status: .failed, message: "the server reported no status for this ref"), nil
            )
        }
    }
}
