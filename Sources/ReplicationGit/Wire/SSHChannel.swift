internal import CLibssh2
import Foundation
import ReplicationCore

/// An exec channel of an ``SSHSession``: the command's standard input, output and error.
final class SSHChannel: WireChannel {
    let session: SSHSession
    private let handle: OpaquePointer
    private var closed = false
    private(set) var bytesWritten = 0
    /// Output the command wrote while a write waited (read to learn whether it still reads); served
    /// by ``read(into:)`` before anything newer.
    private var pendingOutput: [UInt8] = []
    private var pendingErrors = Data()

    init(session: SSHSession, handle: OpaquePointer) {
        self.session = session
        self.handle = handle
    }

    deinit {
        // A session in doubt (timed out, closed midway) is not reused: cut its socket first, so that
        // closing and freeing the channel fail at once instead of each waiting out the timeout
        // again for a server that does not answer (a 2 s timeout took 6 s).
        if self.session.isBroken { self.session.interrupt() }
        if !self.closed { libssh2_channel_close(self.handle) }
        libssh2_channel_free(self.handle)
    }

    func read(into buffer: inout [UInt8]) throws(GitError) -> Int {
        if !self.pendingOutput.isEmpty {
            let count = min(buffer.count, self.pendingOutput.count)
            buffer.replaceSubrange(0..<count, with: self.pendingOutput.prefix(count))
            self.pendingOutput.removeFirst(count)
            return count
        }
        let count = buffer.withUnsafeMutableBytes { raw in
            libssh2_channel_read_ex(self.handle, 0, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard count >= 0 else { throw self.failure("reading from the server") }
        if count > 0 { self.session.progressed = true }
        self.session.touch()
        return count
    }

    /// Writes without libssh2's blocking wait, which never notices a command that ended: a mirror that
    /// stops reading midway (git's `receive.maxInputSize`, a host's pack-size cap) closes its side, the
    /// window never reopens, and a blocking write would wait out the whole timeout. Here the write
    /// ends as soon as the command's side is closed, or after the session's timeout without progress.
    func write(_ bytes: UnsafeRawBufferPointer) throws(GitError) {
        libssh2_session_set_blocking(self.session.handle, 0)
        defer { libssh2_session_set_blocking(self.session.handle, 1) }
        let timeout = self.session.callTimeout
        var lastProgress = ContinuousClock.now
        var offset = 0
        while offset < bytes.count {
            let count = libssh2_channel_write_ex(
                self.handle,
                0,
                bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                bytes.count - offset
            )
            if count > 0 {
                offset += count
                lastProgress = ContinuousClock.now
                continue
            }
            guard count == Int(LIBSSH2_ERROR_EAGAIN) else { throw self.failure("writing to the server") }
            // Unread output hides the command's end from libssh2_channel_eof: take it aside first.
            self.takeOutputAside()
            if libssh2_channel_eof(self.handle) == 1 { throw self.stoppedReading() }
            let waited = lastProgress.duration(to: .now)
            if let timeout, waited >= timeout {
                self.session.isBroken = true
                throw SSHSession.error(.network, "writing to the server failed: no progress, timed out")
            }
            self.session.waitForSocket(min(.seconds(1), timeout.map { $0 - waited } ?? .seconds(1)))
        }
        self.bytesWritten += bytes.count
        self.session.touch()
    }

    /// Reads what the command wrote so far without waiting (the session is non-blocking here).
    private func takeOutputAside() {
        var buffer = [CChar](repeating: 0, count: 16_384)
        for stream in [Int32(0), 1] {
            while self.pendingOutput.count + self.pendingErrors.count < 8_000_000 {
                let count = libssh2_channel_read_ex(self.handle, stream, &buffer, buffer.count)
                guard count > 0 else { break }
                let bytes = buffer.prefix(count).map { UInt8(bitPattern: $0) }
                if stream == 0 { self.pendingOutput += bytes } else { self.pendingErrors.append(contentsOf: bytes) }
            }
        }
    }

    /// The command ended its side while we were still sending (a mirror that refuses the pack): its
    /// report, read next, says why; its standard error is kept for the error.
    private func stoppedReading() -> GitError {
        let said = self.errorOutput().trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = said.isEmpty ? "" : ": \(said)"
        return SSHSession.error(.network, "the server stopped reading what was sent and closed the channel\(reason)")
    }

    func finishWriting() throws(GitError) {
        guard libssh2_channel_send_eof(self.handle) == 0 else { throw self.failure("ending the upload") }
    }

    /// Whatever the command wrote on standard error so far, without waiting for more: a server
    /// that broke the protocol and stays connected must not hold the error report up. (Once its
    /// output ended, everything it wrote before has arrived.)
    func errorOutput() -> String {
        libssh2_session_set_blocking(self.session.handle, 0)
        defer { libssh2_session_set_blocking(self.session.handle, 1) }
        var data = self.pendingErrors
        self.pendingErrors = Data()
        var buffer = [CChar](repeating: 0, count: 16_384)
        while data.count < 100_000 {
            let count = libssh2_channel_read_ex(self.handle, 1, &buffer, buffer.count)
            guard count > 0 else { break }
            buffer.withUnsafeBytes { data.append(contentsOf: $0.prefix(count)) }
        }
        return String(decoding: data, as: UTF8.self)
    }

    func readToEnd(stream: Int32) throws(GitError) -> String {
        var data = Data()
        var buffer = [CChar](repeating: 0, count: 16_384)
        while true {
            let count = libssh2_channel_read_ex(self.handle, stream, &buffer, buffer.count)
            if count == 0 { break }
            guard count > 0 else { throw self.failure("reading the command's output") }
            buffer.withUnsafeBytes { data.append(contentsOf: $0.prefix(count)) }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// libssh2 would wait for the server to close the channel; a server that broke the protocol
    /// may never do so, so the whole session goes (it is in doubt anyway).
    func abandon() {
        self.session.interrupt()
    }

    /// Closes the channel and returns the command's exit status.
    func finish() -> Int32 {
        guard !self.closed else { return libssh2_channel_get_exit_status(self.handle) }
        self.closed = true
        libssh2_channel_close(self.handle)
        libssh2_channel_wait_closed(self.handle)
        return libssh2_channel_get_exit_status(self.handle)
    }

    private func failure(_ doing: String) -> GitError {
        self.session.isBroken = true
        let timedOut = self.session.lastErrorIsTimeout
        return SSHSession.error(
            .network,
            "\(doing) failed: \(timedOut ? "no progress, timed out" : self.session.lastError)"
        )
    }
}
