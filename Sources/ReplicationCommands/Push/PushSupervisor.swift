import Foundation
import ReplicationCore
import ReplicationGit
import Synchronization

/// Runs one push in a `replicator push-worker` child and kills it when the remote stops answering:
/// before the worker reports `connected`, after `connectTimeout`; afterwards, after the remote's
/// `timeout` without any progress (0 waits forever, as Gerrit's `remote.NAME.timeout` does).
struct PushSupervisor: Sendable {
    var configPath: String
    var connectTimeout: Duration

    /// Runs the worker for `work`; `stopReason` is polled, and the push is stopped once it says why.
    /// With `configSnapshot`, the worker loads that snapshot (``ConfigSnapshot``) instead of the
    /// files on disk.
    func push(
        _ target: ReplicationTarget,
        work: PushWork,
        configSnapshot: Data? = nil,
        stopReason: @escaping () -> String? = { nil }
    ) -> PushOutcome {
        let job = PushWorkerJob(
            remote: target.remote.name,
            project: target.project,
            url: target.url.description,
            work: work
        )
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let process: ChildProcess
        do {
            // Everything that comes from events travels on standard input, never as an argument
            // that a project or ref name such as `-x` could turn into an option.
            process = try ChildProcess(
                executable,
                ["push-worker", "--config=\(self.configPath)"],
                input: true,
                errors: true
            )
        } catch {
            return .init(report: nil, error: .init(code: .other, message: "cannot start the push worker: \(error)"))
        }
        guard let input = process.input, let errors = process.errors else {
            preconditionFailure("ChildProcess was asked for standard input and standard error pipes")
        }
        let watchdog = Watchdog()
        // Written on a thread of its own: a worker that exits before reading must not block us, and
        // its closed pipe is an error to report (SIGPIPE is ignored), not a crash.
        let inputWriter = BackgroundWrite(input, job.encoded(snapshot: configSnapshot))
        let outputReader = BackgroundRead(process.output)
        let progressReader = Thread { Self.follow(errors, watchdog: watchdog) }
        progressReader.start()
        if let timeout = self.waitOrTimeOut(
            process,
            watchdog: watchdog,
            idleTimeout: target.remote.timeout,
            stopReason: stopReason
        ) {
            process.signal(SIGKILL)
            process.waitForExit()
            return .init(report: nil, error: .init(code: .network, message: timeout))
        }
        process.waitForExit()
        let data = outputReader.wait()
        let inputError = inputWriter.wait()
        guard let decoded = try? JSONDecoder().decode(PushOutcome.self, from: data) else {
            let detail =
                String(decoding: watchdog.unexpectedOutput, as: UTF8.self)
                + (inputError.map { " (its job could not be written: \($0))" } ?? "")
            return .init(
                report: nil,
                error: .init(
                    code: .other,
                    message: "the push worker failed (status \(process.terminationStatus ?? -1)) \(detail)"
                )
            )
        }
        return decoded
    }

    /// `nil` when the worker finished in time, else why it was stopped.
    private func waitOrTimeOut(
        _ process: ChildProcess,
        watchdog: Watchdog,
        idleTimeout: Duration,
        stopReason: () -> String?
    ) -> String? {
        let clock = ContinuousClock()
        let started = clock.now
        while !process.hasExited {
            usleep(20_000)
            if let reason = stopReason() { return reason }
            let state = watchdog.state
            if !state.connected, clock.now - started > self.connectTimeout {
                return
                    "no connection within \(self.connectTimeout.configText) (gerrit.sshConnectionTimeout); the push was stopped"
            }
            if state.connected, idleTimeout > .zero, clock.now - state.lastActivity(default: started) > idleTimeout {
                return "the remote sent nothing for \(idleTimeout.configText) (remote.timeout); the push was stopped"
            }
        }
        return nil
    }

    private static func follow(_ handle: FileHandle, watchdog: Watchdog) {
        var buffer = Data()
        while true {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { return }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                watchdog.record(line)
            }
        }
    }
}

/// Progress seen from a worker, shared between the reader thread and the waiting loop.
private final class Watchdog: Sendable {
    struct State {
        var connected = false
        var lastProgress: ContinuousClock.Instant?

        func lastActivity(default start: ContinuousClock.Instant) -> ContinuousClock.Instant {
            self.lastProgress ?? start
        }
    }

    private let current = Mutex(State())
    /// Whatever else the worker wrote on standard error.
    private let other = Mutex(Data())

    var state: State { self.current.withLock { $0 } }
    var unexpectedOutput: Data { self.other.withLock { $0 } }

    func record(_ line: String) {
        guard line.hasPrefix("progress ") else {
            self.other.withLock { $0.append(Data((line + "\n").utf8)) }
            return
        }
        self.current.withLock { current in
            if line == "progress connected" { current.connected = true }
            current.lastProgress = ContinuousClock.now
        }
    }
}

/// Writes a whole buffer to a pipe and closes it, on another thread; the error, if the reader left.
private final class BackgroundWrite: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var error: (any Error)?

    init(_ handle: FileHandle, _ data: Data) {
        Thread {
            do {
                try handle.write(contentsOf: data)
            } catch {
                self.error = error
            }
            try? handle.close()
            self.done.signal()
        }.start()
    }

    func wait() -> (any Error)? {
        self.done.wait()
        return self.error
    }
}

/// Reads a pipe to its end on another thread, so a chatty child never blocks on a full pipe.
private final class BackgroundRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    func wait() -> Data {
        self.done.wait()
        return self.data
    }
}
