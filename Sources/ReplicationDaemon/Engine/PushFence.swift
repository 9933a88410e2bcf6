import Dispatch
import Synchronization

/// A running push's proof that its node still holds the project: the lease's epoch (the fencing
/// token) and a local deadline that ends well before any other node may take the project over.
/// The push asks ``checkBeforeCommands()`` before it sends commands, and is stopped when
/// ``closed()`` returns (lease lost, or its deadline passed without a renewal). The timing
/// argument is in docs/design.md, "Fencing".
package final class PushFence: Sendable {
    package let project: String
    package let epoch: Int64
    private let state: Mutex<State>
    /// Asks the store whether the lease still holds under `epoch`, renewing it; `nil` for stores
    /// whose leases never expire.
    private let confirm: (@Sendable () async throws -> PushLease?)?

    private struct State {
        /// `nil`: no deadline (one pusher holds the whole store).
        var deadline: ContinuousClock.Instant?
        var closedBecause: String?
    }

    /// A lease that was asked for at `asked` and granted as `lease`.
    package init(
        project: String,
        lease: PushLease,
        askedAt asked: ContinuousClock.Instant,
        confirm: (@Sendable () async throws -> PushLease?)?
    ) {
        self.project = project
        self.epoch = lease.epoch
        self.state = Mutex(State(deadline: lease.lasts.map { Self.deadline(askedAt: asked, lasting: $0) }))
        self.confirm = lease.lasts == nil ? nil : confirm
    }

    /// A fence that never closes by itself: pushes outside a shared store (dry runs, tests).
    package static func unbounded(project: String) -> PushFence {
        PushFence(project: project, lease: PushLease(epoch: 0, lasts: nil), askedAt: .now, confirm: nil)
    }

    /// What a lease of `lease` leaves a push: the store's clock starts the lease no earlier than
    /// the request was sent (`asked`), and a fifth of it is kept back for clock rates and stopping.
    package static func deadline(askedAt asked: ContinuousClock.Instant, lasting lease: Duration)
        -> ContinuousClock.Instant
    {
        asked + lease - Self.margin(of: lease)
    }

    package static func margin(of lease: Duration) -> Duration { lease / 5 }

    /// Why the fence closed, once it has.
    package var closedReason: String? { self.state.withLock { $0.closedBecause } }

    package var deadline: ContinuousClock.Instant? { self.state.withLock { $0.deadline } }

    /// A renewal asked for at `asked` answered with the leases this node holds now (`nil`: leases
    /// do not expire): the deadline moves on, or the fence closes when the epoch is gone.
    package func renewed(_ held: [String: PushLease]?, askedAt asked: ContinuousClock.Instant) {
        guard let held else { return }
        guard let lease = held[self.project], lease.epoch == self.epoch else {
            self.close("this node no longer holds the project's lease (another node took it over)")
            return
        }
        if let lasts = lease.lasts { self.extend(to: Self.deadline(askedAt: asked, lasting: lasts)) }
    }

    private func extend(to deadline: ContinuousClock.Instant) {
        self.state.withLock { state in
            guard state.closedBecause == nil, let current = state.deadline else { return }
            state.deadline = max(current, deadline)
        }
    }

    /// Closes the fence for good (a closed fence never opens again: its push is being stopped).
    package func close(_ reason: String) {
        self.state.withLock { state in
            if state.closedBecause == nil { state.closedBecause = reason }
        }
    }

    /// Whether the push may send its commands now: `nil` yes, else why not. Asks the store to
    /// confirm the epoch (bounded by the deadline). Blocks the calling thread: called from a
    /// push's own thread, never from the cooperative pool.
    package func checkBeforeCommands() -> String? {
        if let reason = self.closedIfExpired() { return reason }
        guard let confirm, let deadline = self.deadline else { return nil }
        let asked = ContinuousClock.now
        let answer = Mutex<Result<PushLease?, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            let result: Result<PushLease?, any Error>
            do { result = .success(try await confirm()) } catch { result = .failure(error) }
            answer.withLock { $0 = result }
            done.signal()
        }
        let wait = asked.duration(to: deadline)
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) * 1e-18
        guard done.wait(timeout: .now() + max(0, seconds)) == .success else {
            task.cancel()
            self.close("the store did not confirm the project's lease before its deadline")
            return self.closedReason
        }
        switch answer.withLock({ $0 }) {
        case .success(let lease?):
            if let lasts = lease.lasts { self.extend(to: Self.deadline(askedAt: asked, lasting: lasts)) }
            return self.closedIfExpired()
        case .success(nil):
            self.close("this node no longer holds the project's lease (another node took it over)")
            return self.closedReason
        case .failure(let error):
            return "cannot confirm the project's lease before sending commands: \(error)"
        case nil:
            return "cannot confirm the project's lease before sending commands"
        }
    }

    /// Returns once the fence closes, with why; `nil` when the calling task is cancelled first.
    package func closed() async -> String? {
        while !Task.isCancelled {
            if let reason = self.closedIfExpired() { return reason }
            let now = ContinuousClock.now
            let next = min(self.deadline ?? now + .seconds(1), now + .milliseconds(100))
            try? await Task.sleep(until: next, clock: .continuous)
        }
        return nil
    }

    private func closedIfExpired() -> String? {
        self.state.withLock { state in
            if state.closedBecause == nil, let deadline = state.deadline, ContinuousClock.now >= deadline {
                state.closedBecause = "the project's lease could not be renewed in time (its deadline passed)"
            }
            return state.closedBecause
        }
    }
}
