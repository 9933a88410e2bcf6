import Foundation
package import ReplicationCore
import ServiceLifecycle

/// What a wait asks for (`replicator wait`, `GET /wait`).
package struct WaitRequest: Sendable {
    package var project: String
    package var ref: String
    /// The value to wait for; `nil`: the source's value when the wait begins.
    package var sha: String?
    /// Remote names; empty: every remote.
    package var remotes: [String]
    /// The ref's deletion is awaited: without it, a ref the source does not have is an error (a typo
    /// must not pass as "replicated (deleted)").
    package var deleted: Bool

    package init(project: String, ref: String, sha: String?, remotes: [String], deleted: Bool = false) {
        self.project = project
        self.ref = ref
        self.sha = sha
        self.remotes = remotes
        self.deleted = deleted
    }
}

/// A wait's start: the scope, the expected value, one listing per URL, and how to tell whether a
/// value pushed later contains the expected commit (the source repository's ancestry).
package struct PreparedWait: Sendable {
    package var wait: ReplicationWait
    package var contains: @Sendable (ObjectID) -> Bool

    package init(wait: ReplicationWait, contains: @escaping @Sendable (ObjectID) -> Bool) {
        self.wait = wait
        self.contains = contains
    }
}

/// Why a wait cannot start: a bad request (HTTP 400, exit 2) or a source that cannot be read.
package struct WaitError: Error, Sendable {
    package enum Code: String, Sendable {
        case invalid
        /// The project, or the ref (without `deleted`), does not exist at the source.
        case notFound = "not-found"
        case unreadable
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Reads the source and lists the mirrors for a wait; the composition root implements it.
package protocol WaitPreparing: Sendable {
    func prepare(_ request: WaitRequest, configuration: ReplicationConfiguration) async throws(WaitError)
        -> PreparedWait
}

/// Waits from the store's ref statuses (no listing after the first), and the URLs the daemon
/// reports failing permanently, until the ref is everywhere, cannot get there, or time runs out.
package struct ReplicationWaiter: Sendable {
    let store: any RefStatusStore
    let failing: @Sendable () async -> [PushTarget: String]
    static let pollInterval = Duration.milliseconds(200)

    package init(store: any RefStatusStore, failing: @escaping @Sendable () async -> [PushTarget: String]) {
        self.store = store
        self.failing = failing
    }

    package func run(_ prepared: PreparedWait, timeout: Duration) async -> ReplicationWait.Answer {
        var wait = prepared.wait
        let deadline = ContinuousClock.now + timeout
        while true {
            if let statuses = try? await self.store.refStatuses(project: wait.project, ref: wait.ref) {
                wait.recorded(statuses, contains: prepared.contains)
            }
            // Asked only while something is missing: the answer must not wait on a slow daemon.
            if wait.answer().status == .pending {
                for (target, reason) in await self.failing() { wait.failing(target, reason: reason) }
            }
            let answer = wait.answer()
            guard answer.status == .pending else { return answer }
            guard ContinuousClock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully else {
                return wait.answer(timedOut: true)
            }
            // A graceful shutdown (SIGTERM) ends the wait at once: a long poll must not hold the drain.
            let pause = min(Self.pollInterval, ContinuousClock.now.duration(to: deadline))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}

extension StatusBoard {
    /// URLs failing permanently, with their last error.
    package var failingTargets: [PushTarget: String] { Self.failingTargets(in: self.status) }

    /// URLs failing permanently in `status`, with their last error.
    package static func failingTargets(in status: DaemonStatus) -> [PushTarget: String] {
        var failing: [PushTarget: String] = [:]
        for remote in status.remotes {
            for target in remote.targets where target.state == .failed {
                failing[PushTarget(remote: remote.name, url: target.url, project: target.project)] =
                    target.lastError?.message ?? "failing"
            }
        }
        return failing
    }
}
