import Foundation
package import Logging
package import ReplicationCore
import Synchronization

/// Remote `projects` filters as the engine's loop asks them: each answer memoized per remote and
/// project, and a `^regex` match given ``ProjectPattern/matchTimeLimit`` on a thread of its own.
/// Swift's regex engine cannot be interrupted, so a match that runs over is left to finish there
/// (its late answer is kept) and the project counts as not matching meanwhile; while one such
/// match of a remote is still running, that remote's other unanswered names wait for nothing and
/// count as not matching too, so a flood of hostile names costs one thread, not one each.
package final class BoundedProjectMatcher: Sendable {
    private struct State {
        var answers: [Key: Bool] = [:]
        /// Remotes with a match still running past its limit.
        var overrunning: Set<String> = []
    }

    private struct Key: Hashable {
        var remote: String
        var project: String
    }

    private let state = Mutex(State())
    private let logger: Logger
    private let limit: Duration

    package init(logger: Logger, limit: Duration = ProjectPattern.matchTimeLimit) {
        self.logger = logger
        self.limit = limit
    }

    package func replicates(_ remote: RemoteConfiguration, _ project: String) -> Bool {
        let filter = remote.projects
        guard (filter.includes + filter.excludes).contains(where: { $0.kind == .regex }) else {
            return filter.matches(project)
        }
        let key = Key(remote: remote.name, project: project)
        let known = self.state.withLock { state -> Bool? in
            if let answer = state.answers[key] { return answer }
            return state.overrunning.contains(remote.name) ? false : nil
        }
        if let known { return known }
        return self.match(filter, key: key)
    }

    private func match(_ filter: ProjectFilter, key: Key) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread {
            let matches = filter.matches(key.project)
            self.state.withLock { state in
                state.answers[key] = matches
                state.overrunning.remove(key.remote)
            }
            done.signal()
        }.start()
        let seconds = Double(self.limit.components.seconds) + Double(self.limit.components.attoseconds) / 1e18
        _ = done.wait(timeout: .now() + seconds)
        // Checked under the lock the matching thread answers under: it may have just finished.
        let late = self.state.withLock { state -> Bool? in
            if let answer = state.answers[key] { return answer }
            state.overrunning.insert(key.remote)
            return nil
        }
        if let late { return late }
        self.logger.error(
            "A projects pattern takes too long to match; the project counts as not matching this remote",
            metadata: [
                "replication.remote": "\(key.remote)", "replication.project": "\(key.project.prefix(200))",
                "replication.limit": "\(ProjectPattern.matchTimeLimitText)",
            ]
        )
        return false
    }
}
