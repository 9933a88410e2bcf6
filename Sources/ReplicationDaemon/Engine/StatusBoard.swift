package import ReplicationCore
import Synchronization

/// The latest status snapshot, published by the engine's loop and read by HTTP handlers.
package final class StatusBoard: Sendable {
    private let current = Mutex(DaemonStatus())
    /// Why the store is stalling now, seen by the store itself (``BoundedTaskStore/stall``): the
    /// status says so at once, not when the engine's loop next gets to publish.
    private let storeStall: @Sendable () -> String?

    package init(storeStall: @escaping @Sendable () -> String? = { nil }) {
        self.storeStall = storeStall
    }

    package var status: DaemonStatus {
        var status = self.current.withLock { $0 }
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
        self.current.withLock { $0 = status }
    }
}
