import Synchronization

/// Wakes readers of the notice log when this process stores notices. Readers still read the store
/// at least every few seconds, since other nodes of a cluster store notices without ringing here.
package final class NoticeSignal: Sendable {
    private enum Slot {
        /// Its task has not registered yet.
        case allocated
        case waiting(CheckedContinuation<Void, Never>)
        /// Cancelled before it registered.
        case cancelled
    }

    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Changes every time the signal rings.
    package var generation: UInt64 { self.state.withLock { $0.generation } }

    package func ring() {
        let waiters = self.state.withLock { state in
            state.generation &+= 1
            var waiting: [CheckedContinuation<Void, Never>] = []
            for (id, slot) in state.slots {
                guard case .waiting(let continuation) = slot else { continue }
                state.slots[id] = nil
                waiting.append(continuation)
            }
            return waiting
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the signal has rung since `generation` was read, after `timeout`, or when the
    /// task is cancelled.
    package func wait(since generation: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.ringing(since: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func ringing(since generation: UInt64) async {
        let id = self.state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            state.slots[state.nextWaiter] = .allocated
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state in
                    guard case .allocated = state.slots[id], state.generation == generation else {
                        state.slots[id] = nil
                        return true
                    }
                    state.slots[id] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                switch state.slots[id] {
                case .waiting(let continuation):
                    state.slots[id] = nil
                    return continuation
                case .allocated:
                    state.slots[id] = .cancelled
                    return nil
                case .cancelled, nil:
                    return nil
                }
            }
            waiter?.resume()
        }
    }
}
