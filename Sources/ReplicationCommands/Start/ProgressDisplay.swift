import Foundation
import ReplicationCore
import Synchronization

/// One self-rewriting status line on a terminal's standard error while `start` pushes; silent when
/// standard error is not a terminal (logs, CI, pipes) and with `--quiet`. Bytes count while a push
/// sends its pack (a long first mirror moves the line), redrawn at most ten times a second.
final class ProgressDisplay: Sendable {
    private struct Counts {
        var done = 0
        var refs = 0
        var bytes = 0
        /// Bytes the running pushes sent so far, by target.
        var sending: [PushTarget: Int] = [:]
        var lastDrawn = ContinuousClock.now - .seconds(1)
    }

    private let total: Int
    private let isActive: Bool
    private let counts = Mutex(Counts())

    init(total: Int, isActive: Bool = isatty(2) == 1) {
        self.total = total
        self.isActive = isActive && total > 0
        self.counts.withLock { self.draw(&$0) }
    }

    /// Called from the pushes of every remote at once.
    func finished(_ output: PushOutcome, at target: PushTarget? = nil) {
        self.counts.withLock { counts in
            if let target { counts.sending[target] = nil }
            counts.done += 1
            counts.refs += output.report?.results.count { $0.status == .ok } ?? 0
            counts.bytes += output.report?.bytesSent ?? 0
            self.draw(&counts)
            if counts.done == self.total, self.isActive { TerminalLine.shared.clear() }
        }
    }

    /// A running push at `target` has sent `bytes` of its pack so far.
    func sending(_ bytes: Int, at target: PushTarget) {
        self.counts.withLock { counts in
            counts.sending[target] = bytes
            guard ContinuousClock.now - counts.lastDrawn >= .milliseconds(100) else { return }
            self.draw(&counts)
        }
    }

    /// `pushes 3/10, 1204 refs pushed, 2.4 MiB`.
    var line: String { self.counts.withLock { self.line($0) } }

    private func line(_ counts: Counts) -> String {
        let total = counts.bytes + counts.sending.values.reduce(0, +)
        let size =
            total >= 1 << 20
            ? String(format: "%.1f MiB", Double(total) / Double(1 << 20))
            : String(format: "%.1f KiB", Double(total) / 1024)
        return "pushes \(counts.done)/\(self.total), \(counts.refs) refs pushed, \(size)"
    }

    private func draw(_ counts: inout Counts) {
        guard self.isActive else { return }
        counts.lastDrawn = ContinuousClock.now
        TerminalLine.shared.show(self.line(counts))
    }
}
