import Foundation
import ReplicationCore

/// One self-rewriting status line on a terminal's standard error while `start` pushes; silent when
/// standard error is not a terminal (logs, CI, pipes).
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let isActive: Bool
    private var done = 0
    private var refs = 0
    private var bytes = 0

    init(total: Int, isActive: Bool = isatty(2) == 1) {
        self.total = total
        self.isActive = isActive && total > 0
        self.draw()
    }

    /// Called from the pushes of every remote at once.
    func finished(_ output: PushOutcome) {
        self.lock.withLock {
            self.done += 1
            self.refs += output.report?.results.count { $0.status == .ok } ?? 0
            self.bytes += output.report?.bytesSent ?? 0
            self.draw()
            if self.done == self.total, self.isActive { Self.write("\r\u{1B}[K") }
        }
    }

    /// `pushes 3/10, 1204 refs pushed, 2.4 MiB`.
    var line: String {
        let size =
            self.bytes >= 1 << 20
            ? String(format: "%.1f MiB", Double(self.bytes) / Double(1 << 20))
            : String(format: "%.1f KiB", Double(self.bytes) / 1024)
        return "pushes \(self.done)/\(self.total), \(self.refs) refs pushed, \(size)"
    }

    private func draw() {
        guard self.isActive else { return }
        Self.write("\r\u{1B}[K" + self.line)
    }

    private static func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
