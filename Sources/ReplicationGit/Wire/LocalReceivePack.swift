import Foundation
import ReplicationCore
import Synchronization

/// `git receive-pack PATH` as a local child process: local mirrors get the same protocol, hooks
/// and `receive.*` settings as remote ones. Reads and writes wait at most `timeout` (zero: as long
/// as it takes) for the process to move.
final class LocalReceivePack: WireChannel {
    private let process: ChildProcess
    private let timeout: Duration
    private var cancellation: (PushCancellation, Int)?
    private var errors = Data()
    /// Whether the child's standard error may still say something: once it has ended, polling it
    /// would answer at once, every time (a busy loop until the output ends too).
    private var errorsOpen = true
    private var inputOpen = true
    private(set) var bytesWritten = 0

    init(git: String, path: String, timeout: Duration, cancellation: PushCancellation?) throws(GitError) {
        let process = try ChildProcess(
            git,
            ["receive-pack", path],
            input: true,
            errors: true,
            processGroup: true,
            diesWithParent: true
        )
        self.process = process
        self.timeout = timeout
        self.cancellation = cancellation.map { ($0, $0.register { process.terminateAll() }) }
        for handle in [self.process.input, self.process.output, self.process.errors].compactMap({ $0 }) {
            _ = fcntl(handle.fileDescriptor, F_SETFL, fcntl(handle.fileDescriptor, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        if let (cancellation, token) = self.cancellation { cancellation.unregister(token) }
        try? self.process.input?.close()
        // Normally it has exited (its output ended); one that has not gets a moment, then stops.
        // It exits within a millisecond of its input closing after a small push: poll from 100 µs
        // up (a fixed 5 ms sleep cost a fleet of 600 no-op pushes 3 s).
        let deadline = ContinuousClock.now + .seconds(5)
        var pause: UInt32 = 100
        while !self.process.hasExited, ContinuousClock.now < deadline {
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        self.process.stop(grace: .milliseconds(200))
    }

    func read(into buffer: inout [UInt8]) throws(GitError) -> Int {
        let output = self.process.output.fileDescriptor
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(output, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            guard errno == EAGAIN || errno == EINTR else { throw Self.failure("reading from git receive-pack", errno) }
            try self.wait(for: output, events: POLLIN)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(GitError) {
        guard let input = self.process.input?.fileDescriptor else { return }
        var offset = 0
        while offset < bytes.count {
            let count = Foundation.write(input, bytes.baseAddress!.advanced(by: offset), bytes.count - offset)
            if count > 0 {
                offset += count
                continue
            }
            guard errno == EAGAIN || errno == EINTR else {
                throw Self.failure("writing to git receive-pack", errno, detail: self.errorOutput())
            }
            try self.wait(for: input, events: POLLOUT)
        }
        self.bytesWritten += bytes.count
    }

    func finishWriting() throws(GitError) {
        guard self.inputOpen else { return }
        self.inputOpen = false
        try? self.process.input?.close()
    }

    /// SIGTERM, not SIGKILL: a receive-pack that broke the protocol may be updating refs, and a
    /// SIGKILLed git leaves its `.lock` files (``StaleRefLocks``); the deinit's stop follows up.
    func abandon() {
        self.process.terminateAll()
    }

    func errorOutput() -> String {
        self.drainErrors()
        return String(decoding: self.errors, as: UTF8.self)
    }

    /// Waits for `descriptor`, reading standard error meanwhile (a full stderr pipe would stall
    /// the process).
    private func wait(for descriptor: Int32, events: Int32) throws(GitError) {
        let deadline = self.timeout == .zero ? nil : ContinuousClock.now + self.timeout
        while true {
            // poll(2) skips a negative descriptor.
            let errors = self.errorsOpen ? self.process.errors?.fileDescriptor ?? -1 : -1
            var fds = [
                pollfd(fd: descriptor, events: Int16(events), revents: 0),
                pollfd(fd: errors, events: Int16(POLLIN), revents: 0),
            ]
            let left = deadline.map { max(0, Int32(clamping: ($0 - ContinuousClock.now).wholeMilliseconds)) } ?? -1
            let ready = poll(&fds, 2, left)
            if ready < 0, errno == EINTR { continue }
            if fds[1].revents != 0 { self.drainErrors() }
            if fds[0].revents != 0 { return }
            if let deadline, ContinuousClock.now >= deadline {
                throw GitError(
                    code: .network,
                    function: "receive-pack",
                    status: -1,
                    message: "git receive-pack made no progress for \(self.timeout.configText) (remote.timeout)"
                )
            }
        }
    }

    /// Reads what standard error holds, up to 64 KiB a call (a child that never stops talking must
    /// not keep us from the deadline), keeping the first megabyte: the rest is read and dropped, or
    /// the child would stall on a full pipe and poll(2) would keep answering.
    private func drainErrors() {
        guard self.errorsOpen, let errors = self.process.errors?.fileDescriptor else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<16 {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(errors, $0.baseAddress, $0.count) }
            if count == 0 { self.errorsOpen = false }
            guard count > 0 else { return }
            if self.errors.count < Self.errorsKept { self.errors.append(contentsOf: buffer.prefix(count)) }
        }
    }

    private static let errorsKept = 1_000_000

    private static func failure(_ doing: String, _ code: Int32, detail: String = "") -> GitError {
        let reason = detail.isEmpty ? String(cString: strerror(code)) : detail
        return GitError(code: .network, function: "receive-pack", status: -1, message: "\(doing) failed: \(reason)")
    }
}

/// The git binary Replicator runs for packs and local receive-packs: `replicator.gitPath`, or `git`
/// found on PATH; `nil` when there is none (libgit2 does the work then).
package enum GitBinary {
    package static func locate(_ configured: String? = nil) -> String? {
        let name = configured ?? "git"
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        // Each push asks: what was found is checked again (one access(2)) instead of the whole PATH
        // searched again. A git that went away is searched for anew, and "none" is never remembered.
        if let known = Self.located.withLock({ $0[name] }), access(known, X_OK) == 0 { return known }
        // getenv, not ProcessInfo's environment, which copies the whole environment per call (once a push).
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        let found: String? = path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
        Self.located.withLock { $0[name] = found }
        return found
    }

    private static let located = Mutex<[String: String]>([:])

    /// `git version 2.39.5` → "2.39.5"; `nil` when it does not run.
    package static func version(_ git: String) -> String? {
        guard let process = try? ChildProcess(git, ["version"]) else { return nil }
        let output = process.output.readDataToEndOfFile()
        process.waitForExit()
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.hasPrefix("git version ") ? String(text.dropFirst(12)) : nil
    }
}
