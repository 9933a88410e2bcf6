internal import CLibssh2
import Foundation
package import ReplicationCore

/// What a command run over SSH printed and returned.
package struct SSHCommandResult: Sendable {
    package var status: Int32
    package var output: String
    package var errorOutput: String
}

/// Runs one command on an SSH server through a libssh2 exec channel, with the same key, host-key
/// policy and a bounded wait: the admin channel for creating repositories and setting HEAD.
package enum SSHCommand {
    package static func run(
        _ command: String,
        on url: RemoteURL,
        access: SSHAccess,
        connectTimeout: Duration,
        timeout: Duration
    ) throws(GitError) -> SSHCommandResult {
        let session = try SSHSession.open(SSHEndpointKey(url: url, access: access), connectTimeout: connectTimeout)
        session.setTimeout(timeout)
        return try session.run(command)
    }
}

/// A blocking TCP socket whose connect is bounded by `timeout` (0 waits as long as the OS does).
package enum TCPConnection {
    package static func open(host: String, port: Int, timeout: Duration) throws(GitError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            throw GitError(code: .network, function: "getaddrinfo", status: -1, message: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else {
            throw GitError(code: .network, function: "socket", status: -1, message: "socket() failed")
        }
        // libssh2 sends each SSH packet with its own send(): with Nagle's algorithm, a second small packet
        // waits for the peer's delayed ACK (40 ms on Linux) at every key exchange, channel open and exec.
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
            close(descriptor)
            throw GitError(
                code: .network,
                function: "connect",
                status: -1,
                message: "cannot connect to \(host):\(port): \(String(cString: strerror(errno)))"
            )
        }
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, timeout == .zero ? -1 : Int32(clamping: timeout.wholeMilliseconds))
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
        guard ready == 1, failure == 0 else {
            close(descriptor)
            let reason = ready == 0 ? "timed out after \(timeout.configText)" : String(cString: strerror(failure))
            throw GitError(
                code: .network,
                function: "connect",
                status: -1,
                message: "cannot connect to \(host):\(port): \(reason)"
            )
        }
        _ = fcntl(descriptor, F_SETFL, flags)
        return descriptor
    }
}
