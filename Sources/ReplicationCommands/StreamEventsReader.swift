import Foundation
import Logging
import ReplicationDaemon
import ServiceLifecycle

/// `serve --events-from`: Gerrit `stream-events` JSON lines from standard input or from a command
/// (restarted when it ends, e.g. `ssh gerrit stream-events` after a disconnect). Each line is one
/// event: lines that cannot be used are logged and skipped, the stream goes on.
struct StreamEventsReader: Service {
    let source: String
    let intake: EventIntake
    let logger: Logger

    /// Wait before restarting a command that ended.
    static let restartDelay = Duration.seconds(5)

    func run() async throws {
        repeat {
            let lines = self.source == "-" ? Self.lines(from: FileHandle.standardInput) : self.commandLines()
            for await line in lines.cancelOnGracefulShutdown() {
                await self.accept(line)
            }
            guard self.source != "-" else {
                self.logger.notice("Standard input ended; events keep arriving over HTTP only")
                return
            }
            self.logger.warning("Event command ended; restarting it", metadata: ["command": "\(self.source)"])
            try await Task.sleep(for: Self.restartDelay)
        } while !Task.isShuttingDownGracefully
    }

    private func accept(_ line: String) async {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        do {
            _ = try await self.intake.accept(Data(line.utf8), source: "stream-events")
        } catch {
            self.logger.warning(
                "Stream event refused",
                metadata: ["reason": "\(error.code.rawValue): \(error.message)", "event": "\(line.prefix(200))"]
            )
        }
    }

    private func commandLines() -> AsyncStream<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", self.source]
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            self.logger.error("Cannot start the event command", metadata: ["error": "\(error)"])
            return AsyncStream { $0.finish() }
        }
        return Self.lines(from: pipe.fileHandleForReading)
    }

    /// Lines read on a thread of their own (reads block).
    private static func lines(from handle: FileHandle) -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        continuation.yield(String(decoding: buffer[..<newline], as: UTF8.self))
                        buffer.removeSubrange(...newline)
                    }
                }
                if !buffer.isEmpty { continuation.yield(String(decoding: buffer, as: UTF8.self)) }
                continuation.finish()
            }
        }
    }
}
