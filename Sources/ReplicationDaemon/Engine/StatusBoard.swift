package import ReplicationCore
import Synchronization

/// The latest status snapshot, published by the engine's loop and read by HTTP handlers.
package final class StatusBoard: Sendable {
    /// The latest snapshot, or how to compute it: the engine publishes after every push it ends,
    /// and computing a status sorts every target (1.6 ms with 600 queued projects), so it is
    /// computed when somebody reads it, once per publication.
    private let current = Mutex(Snapshot.computed(DaemonStatus()))

    private enum Snapshot {
        case computed(DaemonStatus)
        case deferred(@Sendable () -> DaemonStatus)
    }
    /// Why the store is stalling now, seen by the store itself (``BoundedTaskStore/stall``): the
    /// status says so at once, not when the engine's loop next gets to publish.
    private let storeStall: @Sendable () -> String?

    package init(storeStall: @escaping @Sendable () -> String? = { nil }) {
        self.storeStall = storeStall
    }

    package var status: DaemonStatus {
        var status = self.current.withLock { snapshot in
            switch snapshot {
            case .computed(let status):
                return status
            case .deferred(let compute):
                let status = compute()
                snapshot = .computed(status)
                return status
            }
        }
        if status.storeError == nil, let stall = self.storeStall() {
            status.storeError = stall
            status.ready = false
            status.caughtUp = false
        }
        return status
    }

    /// Targets with queued, running, retrying or held work: their mirrors are about to change.
    package var busyTargets: Set<PushTarget> {
        let status = self.status
        var busy: Set<PushTarget> = []
        for remote in status.remotes {
            for target in remote.targets where target.state != .idle && target.state != .failed {
                busy.insert(PushTarget(remote: remote.name, url: target.url, project: target.project))
            }
        }
        return busy
    }

    func publish(_ status: DaemonStatus) {
        self.current.withLock { $0 = .computed(status) }
    }

    /// Publishes the status `compute` returns, computed at the first read.
    func publish(_ compute: @escaping @Sendable () -> DaemonStatus) {
        self.current.withLock { $0 = .deferred(compute) }
    }
}
