import Foundation

/// The one status line at the bottom of a terminal's standard error (`start`'s progress): log
/// lines go above it, never glued to its end. Each log line clears it, is written whole, and the
/// line is drawn again under it.
final class TerminalLine: @unchecked Sendable {
    static let shared = TerminalLine()
    private let lock = NSLock()
    private var text: String?

    /// Shows `text` as the status line, replacing what was there.
    func show(_ text: String) {
        self.lock.withLock {
            self.text = text
            Self.write("\r\u{1B}[K" + text)
        }
    }

    /// Removes the status line for good.
    func clear() {
        self.lock.withLock {
            guard self.text != nil else { return }
            self.text = nil
            Self.write("\r\u{1B}[K")
        }
    }

    /// Runs `write` (which writes whole lines to standard error) above the status line.
    func above(_ write: () -> Void) {
        self.lock.withLock {
            guard let text = self.text else { return write() }
            Self.write("\r\u{1B}[K")
            write()
            Self.write("\r\u{1B}[K" + text)
        }
    }

    private static func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
