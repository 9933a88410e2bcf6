package import ReplicationCore

/// `GET /status` and `replicator status --json`: the whole queue, per remote and URL.
package struct DaemonStatus: Hashable, Sendable, Codable {
    package var ready: Bool
    package var caughtUp: Bool
    /// Events stored and not yet delivered everywhere.
    package var pendingEvents: Int
    package var oldestPendingSeconds: Double?
    package var configurationLoadedAt: String?
    package var configurationError: String?
    /// Why the task store cannot be read or claimed from; `ready` is false meanwhile.
    package var storeError: String?
    /// Stored events that cannot be decoded and were set aside (they stay in the store).
    package var unreadableEvents: Int?
    package var remotes: [Remote]
    /// This node's name, and every node sharing the store with what it holds and runs.
    package var node: String?
    package var cluster: [ClusterNode] = []
    /// Pushes the mass-deletion guard holds, with the command that lets each through once.
    package var held: [Held] = []
    /// The last verify of each mirror by the daemon's reconcile (``Verification``).
    package var verifications: [Verification] = []
    /// Each `replicator.webhook`'s delivery of the replication events (``Webhook``).
    package var webhooks: [Webhook] = []

    package struct Held: Hashable, Sendable, Codable {
        package var remote: String
        package var project: String
        package var url: String
        package var deletions: Int
        package var reason: String
        package var events: Int
        package var release: String

        package init(
            remote: String,
            project: String,
            url: String,
            deletions: Int,
            reason: String,
            events: Int,
            release: String
        ) {
            self.remote = remote
            self.project = project
            self.url = url
            self.deletions = deletions
            self.reason = reason
            self.events = events
            self.release = release
        }
    }

    package init(
        ready: Bool = false,
        caughtUp: Bool = true,
        pendingEvents: Int = 0,
        oldestPendingSeconds: Double? = nil,
        remotes: [Remote] = []
    ) {
        self.ready = ready
        self.caughtUp = caughtUp
        self.pendingEvents = pendingEvents
        self.oldestPendingSeconds = oldestPendingSeconds
        self.remotes = remotes
    }

    package struct Remote: Hashable, Sendable, Codable {
        package var name: String
        package var urls: [String]
        package var threads: Int
        package var queueDepth: Int
        package var inFlight: Int
        package var oldestPendingSeconds: Double?
        package var targets: [Target]
    }

    /// One project's mirror at one URL.
    package struct Target: Hashable, Sendable, Codable {
        package var project: String
        package var url: String
        package var state: TargetState
        package var pending: Task?
        package var inFlight: Task?
        package var lastSuccess: String?
        package var lastError: Failure?
        package var consecutiveFailures: Int
        /// Why the last plan was not pushed (mass-deletion guard), until a later push succeeds.
        package var blocked: String?
        /// How long the URL's last push took.
        package var lastPushSeconds: Double?
        /// The refs the mirror refused in its last push, with the host's class and words (a
        /// protected branch, a ruleset): the push reached it, so this is not a failure.
        package var refused: String? = nil
    }

    /// Where one project's mirror at one URL stands.
    package enum TargetState: String, Hashable, Sendable, Codable {
        case idle, pending, running, retrying, failed, held
    }

    package struct Task: Hashable, Sendable, Codable {
        package var id: Int
        package var work: String
        package var events: Int
        package var retries: Int
        package var ageSeconds: Double
        /// Seconds until it may start (pending tasks).
        package var startsInSeconds: Double?
    }

    package struct Failure: Hashable, Sendable, Codable {
        package var at: String
        package var `class`: PushAttemptResult.Kind
        package var code: String?
        package var message: String
    }
}
