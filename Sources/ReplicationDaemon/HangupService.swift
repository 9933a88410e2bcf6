import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the configuration, as daemons do (`systemctl reload`): without this, its default
/// action ended the process (exit 129) with no drain. The signal is trapped from ``init(onHangup:)``
/// on, so a SIGHUP that comes while the daemon is still starting is taken, not fatal.
package struct HangupService: Service {
    private let signals: UnixSignalsSequence
    private let onHangup: @Sendable () -> Void

    package init(onHangup: @escaping @Sendable () -> Void) async {
        self.signals = await UnixSignalsSequence(trapping: .sighup)
        self.onHangup = onHangup
    }

    package func run() async throws {
        for await _ in self.signals.cancelOnGracefulShutdown() {
            self.onHangup()
        }
    }
}
