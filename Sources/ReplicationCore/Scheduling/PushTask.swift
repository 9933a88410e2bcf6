/// Work waiting for, or running against, one target (Gerrit's `PushOne`).
package struct PushTask<Instant: InstantProtocol>: Hashable, Sendable, Identifiable where Instant: Sendable {
    package var id: Int
    package var target: PushTarget
    package var work: PushWork
    /// The stored events this push delivers.
    package var events: Set<Int64>
    /// When the oldest of its events arrived.
    package var createdAt: Instant
    /// When it may start.
    package var dueAt: Instant
    /// Transient failures so far (counted against `maxRetries`).
    package var retries = 0
    /// `failed to lock` / `failed to update ref` failures so far.
    package var updateRefRetries = 0
    /// Failed attempts against a URL in the failed state (not counted against `maxRetries`).
    package var probes = 0

    package var isRetrying: Bool { self.retries > 0 || self.updateRefRetries > 0 || self.probes > 0 }

    /// Folds `other` (same target) into this task, keeping this task's retry counters.
    mutating func absorb(_ other: PushTask) {
        self.work.absorb(other.work)
        self.events.formUnion(other.events)
        self.createdAt = min(self.createdAt, other.createdAt)
    }
}
