import Synchronization

/// The latest status snapshot, published by the engine's loop and read by HTTP handlers.
package final class StatusBoard: Sendable {
    private let current = Mutex(DaemonStatus())

    package init() {}

    package var status: DaemonStatus { self.current.withLock { $0 } }

    func publish(_ status: DaemonStatus) {
        self.current.withLock { $0 = status }
    }
}
