import Foundation
import ReplicationCore

/// One self-rewriting status line on a terminal's standard error while `start` pushes; silent when
/// standard error is not a terminal (logs, CI, pipes) and with `--quiet`. Bytes count while a push
/// sends its pack (a long first mirror moves the line), redrawn at most ten times a second.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let isActive: Bool
    private var done = 0
    private var refs = 0
    private var bytes = 0
    /// Bytes the running pushes sent so far, by target.
    private var sending: [PushTarget: Int] = [:]
    private var lastDrawn = ContinuousClock.now - .seconds(1)

    init(total: Int, isActive: Bool = isatty(2) == 1) {
        self.total = total
        self.isActive = isActive && total > 0
        self.draw()
    }

    /// Called from the pushes of every remote at once.
    func finished(_ output: PushOutcome, at target: PushTarget? = nil) {
        self.lock.withLock {
            if let target { self.sending[target] = nil }
            self.done += 1
            self.refs += output.report?.results.count { $0.status == .ok } ?? 0
            self.bytes += output.report?.bytesSent ?? 0
            self.draw()
            if self.done == self.total, self.isActive { TerminalLine.shared.clear() }
        }
    }

    /// A running push at `target` has sent `bytes` of its pack so far.
    func sending(_ bytes: Int, at target: PushTarget) {
        self.lock.withLock {
            self.sending[target] = bytes
            guard ContinuousClock.now - self.lastDrawn >= .milliseconds(100) else { return }
            self.draw()
        }
    }

    /// `pushes 3/10, 1204 refs pushed, 2.4 MiB`.
    var line: String {
        let total = self.bytes + self.sending.values.reduce(0, +)
        let size =
            total >= 1 << 20
            ? String(format: "%.1f MiB", Double(total) / Double(1 << 20))
            : String(format: "%.1f KiB", Double(total) / 1024)
        return "pushes \(self.done)/\(self.total), \(self.refs) refs pushed, \(size)"
    }

    private func draw() {
        guard self.isActive else { return }
        self.lastDrawn = ContinuousClock.now
        TerminalLine.shared.show(self.line)
    }
}
