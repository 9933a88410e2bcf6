package import Foundation

/// A directory that is removed when the value goes away.
package final class TemporaryDirectory: @unchecked Sendable {
    package let url: URL

    package init(_ label: String = "replicator") throws {
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    package var path: String { self.url.path }

    package func path(_ relative: String) -> String { self.url.appendingPathComponent(relative).path }

    package func write(_ text: String, to relative: String) throws {
        let file = self.url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: self.url) }
}
