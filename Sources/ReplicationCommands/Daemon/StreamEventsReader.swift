import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationGit
import ServiceLifecycle

/// `serve --events-from`: Gerrit `stream-events` JSON lines from standard input or from a command
/// (restarted when it ends, e.g. `ssh gerrit stream-events` after a disconnect). Each line is one
/// event: a line that cannot be an event is logged and skipped; a line the store cannot take now is
/// retried until it can, and meanwhile nothing more is read (the rest waits in the pipe, not in
/// memory, and nothing is dropped).
struct StreamEventsReader: Service {
    let source: String
    let intake: EventIntake
    let logger: Logger
    /// Called each time the command is started again: events may have been missed meanwhile.
    var onRestart: @Sendable () -> Void = {}

    /// Wait before restarting a command that ended.
    static let restartDelay = Duration.seconds(5)
    /// Wait before offering a line again to a store that refused it.
    static let retryDelay = Duration.seconds(1)

    func run() async throws {
        repeat {
            let process: ChildProcess?
            do {
                process =
                    self.source == "-" ? nil : try ChildProcess("/bin/sh", ["-c", self.source], processGroup: true)
            } catch {
                self.logger.error("Cannot start the event command", metadata: ["error": "\(error)"])
                try await Task.sleep(for: Self.restartDelay)
                continue
            }
            let lines = LineReader(process?.output ?? FileHandle.standardInput)
            for await line in lines.stream.cancelOnGracefulShutdown() {
                await self.accept(line)
                lines.next()
            }
            lines.next()  // let the reading thread see the end
            process?.stop()
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            guard self.source != "-" else {
                self.logger.notice("Standard input ended; events keep arriving over HTTP only")
                return
            }
            self.logger.warning("Event command ended; restarting it", metadata: ["command": "\(self.source)"])
            try await Task.sleep(for: Self.restartDelay)
            self.onRestart()
        } while !Task.isShuttingDownGracefully
    }

    private func accept(_ line: String) async {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        let refusal = await self.intake.acceptPatiently(
            Data(line.utf8),
            source: .streamEvents,
            retryDelay: Self.retryDelay,
            onFirstRefusal: { error in
                self.logger.error(
                    "The task store cannot take a stream event; reading stops until it can",
                    metadata: ["reason": "\(error.message)"]
                )
            },
            keepTrying: { !Task.isShuttingDownGracefully && !Task.isCancelled }
        )
        guard let refusal else { return }
        if refusal.code == .unavailable {
            // Shutting down: Gerrit's stream has this line no more, so say exactly what was not stored.
            self.logger.error("Stream event not stored at shutdown", metadata: ["event": "\(line.prefix(500))"])
        } else {
            self.logger.warning(
                "Stream event refused",
                metadata: ["reason": "\(refusal.code.rawValue): \(refusal.message)", "event": "\(line.prefix(200))"]
            )
        }
    }
}

/// Lines of a pipe read on a thread of its own (reads block), one at a time: the thread reads the
/// next line only after ``next()``, so a consumer that stops taking lines stops the reading.
private final class LineReader: Sendable {
    let stream: AsyncStream<String>
    private let taken = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        self.stream = stream
        Thread { [taken] in
            var buffer = Data()
            func emit(_ line: String) -> Bool {
                guard case .enqueued = continuation.yield(line) else { return false }
                taken.wait()
                return true
            }
            reading: while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    if !emit(line) { break reading }
                }
            }
            if !buffer.isEmpty { _ = emit(String(decoding: buffer, as: UTF8.self)) }
            continuation.finish()
        }.start()
    }

    /// The consumer is done with the last line.
    func next() {
        self.taken.signal()
    }
}
