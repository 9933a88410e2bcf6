import Foundation
import Synchronization

/// The one status line at the bottom of a terminal's standard error (`start`'s progress): log
/// lines go above it, never glued to its end. Each log line clears it, is written whole, and the
/// line is drawn again under it.
final class TerminalLine: Sendable {
    static let shared = TerminalLine()
    /// The line shown, if any; held while writing, so that writes never interleave.
    private let text = Mutex<String?>(nil)

    /// Shows `text` as the status line, replacing what was there.
    func show(_ text: String) {
        self.text.withLock { shown in
            shown = text
            Self.write("\r\u{1B}[K" + text)
        }
    }

    /// Removes the status line for good.
    func clear() {
        self.text.withLock { shown in
            guard shown != nil else { return }
            shown = nil
            Self.write("\r\u{1B}[K")
        }
    }

    /// Runs `write` (which writes whole lines to standard error) above the status line.
    func above(_ write: () -> Void) {
        self.text.withLock { shown in
            guard let text = shown else { return write() }
            Self.write("\r\u{1B}[K")
            write()
            Self.write("\r\u{1B}[K" + text)
        }
    }

    private static func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
