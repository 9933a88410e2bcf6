import Foundation
import ReplicationCore

/// `git://HOST[:PORT]/PATH`: a TCP connection to `git daemon` asking for `git-receive-pack`
/// (gitprotocol-pack, "Git Transport"), for mirrors on a trusted network. One connection per
/// exchange, as the daemon serves one request per connection. Connecting waits at most
/// `connectTimeout`, every later read and write `timeout` (zero: as long as it takes).
final class GitDaemonChannel: WireChannel {
    private let socket: Int32
    private let connectTimeout: Duration
    private let timeout: Duration
    /// The request is out: `timeout` applies from now on.
    private var requested = false
    private var cancellation: (PushCancellation, Int)?
    private var open = true
    private(set) var bytesWritten = 0

    init(url: RemoteURL, connectTimeout: Duration, timeout: Duration, cancellation: PushCancellation?) throws(GitError)
    {
        let host = url.host ?? "localhost"
        let socket = try TCPConnection.open(host: host, port: url.port ?? 9418, timeout: connectTimeout)
        // Every later step waits in poll(2), bounded by the timeouts.
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        _ = fcntl(socket, F_SETFD, FD_CLOEXEC)
        self.socket = socket
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.cancellation = cancellation.map { ($0, $0.register { shutdown(socket, Int32(SHUT_RDWR)) }) }
        // The request: `git-receive-pack PATH\0host=HOST\0`, one pkt-line.
        var request = Array("git-receive-pack \(url.path)".utf8) + [0] + Array("host=\(host)".utf8) + [0]
        request = Array(String(format: "%04x", request.count + 4).utf8) + request
        try self.write(request)
        self.bytesWritten = 0
        self.requested = true
    }

    deinit {
        if let (cancellation, token) = self.cancellation { cancellation.unregister(token) }
        close(self.socket)
    }

    func read(into buffer: inout [UInt8]) throws(GitError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(self.socket, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return count }
            guard errno == EAGAIN || errno == EINTR else { throw Self.failure("reading from git daemon", errno) }
            try self.wait(events: POLLIN)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(GitError) {
        var offset = 0
        while offset < bytes.count {
            let count = send(
                self.socket,
                bytes.baseAddress!.advanced(by: offset),
                bytes.count - offset,
                Int32(MSG_NOSIGNAL)
            )
            if count > 0 {
                offset += count
                continue
            }
            guard errno == EAGAIN || errno == EINTR else { throw Self.failure("writing to git daemon", errno) }
            try self.wait(events: POLLOUT)
        }
        self.bytesWritten += bytes.count
    }

    func finishWriting() throws(GitError) {
        guard self.open else { return }
        self.open = false
        shutdown(self.socket, Int32(SHUT_WR))
    }

    func abandon() {
        shutdown(self.socket, Int32(SHUT_RDWR))
    }

    /// git daemon reports problems in-band (`ERR` pkt-lines); there is no error stream.
    func errorOutput() -> String { "" }

    private func wait(events: Int32) throws(GitError) {
        let timeout = self.requested ? self.timeout : self.connectTimeout
        var descriptor = pollfd(fd: self.socket, events: Int16(events), revents: 0)
        let milliseconds = timeout == .zero ? -1 : Int32(clamping: timeout.wholeMilliseconds)
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno == EINTR { continue }
            throw GitError(
                code: .network,
                function: "git daemon",
                status: -1,
                message: "git daemon made no progress for \(timeout.configText) (remote.timeout)"
            )
        }
    }

    private static func failure(_ doing: String, _ code: Int32) -> GitError {
        GitError(
            code: .network,
            function: "git daemon",
            status: -1,
            message: "\(doing) failed: \(String(cString: strerror(code)))"
        )
    }
}
