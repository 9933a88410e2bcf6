import Synchronization

/// Group commit: appends that arrive while a commit is running wait for the next one, and all of
/// them share its transaction and its fsync. Each caller returns only after the commit that holds
/// its items; a failed commit fails every caller in it (nothing of theirs was stored).
package final class GroupCommit<Item: Sendable, Result: Sendable>: Sendable {
    private struct Waiting {
        var items: [Item]
        var continuation: CheckedContinuation<[Result], any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let state = Mutex(State())
    /// Stores every item of one group in one transaction; one result per item, in order.
    private let commit: @Sendable ([Item]) async throws -> [Result]

    package init(commit: @escaping @Sendable ([Item]) async throws -> [Result]) {
        self.commit = commit
    }

    /// Stores `items` with whatever else is waiting; their results, once durable.
    package func submit(_ items: [Item]) async throws -> [Result] {
        guard !items.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let leads = self.state.withLock { state in
                state.waiting.append(Waiting(items: items, continuation: continuation))
                defer { state.committing = true }
                return !state.committing
            }
            if leads { Task { await self.drain() } }
        }
    }

    /// Commits groups until nobody waits; the first caller of a quiet period runs it.
    private func drain() async {
        while true {
            let group = self.state.withLock { state in
                let group = state.waiting
                state.waiting = []
                if group.isEmpty { state.committing = false }
                return group
            }
            guard !group.isEmpty else { return }
            do {
                var results = try await self.commit(group.flatMap(\.items))[...]
                for waiting in group {
                    waiting.continuation.resume(returning: Array(results.prefix(waiting.items.count)))
                    results = results.dropFirst(waiting.items.count)
                }
            } catch {
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
