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
        guard let host = url.host else { throw Self.error(.invalid, "\(url) names no host") }
        let port = url.port ?? 22
        let socket = try TCPConnection.open(host: host, port: port, timeout: connectTimeout)
        defer { close(socket) }
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
            throw Self.error(.other, "cannot start libssh2")
        }
        defer { libssh2_session_free(session) }
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, timeout == .zero ? 0 : Int(clamping: timeout.wholeMilliseconds))
        guard libssh2_session_handshake(session, socket) == 0 else {
            let reason = Self.lastError(session)
            let hint = reason.contains("Unable to exchange encryption keys") ? GitError.rsaOnlyHint : ""
            throw Self.error(.network, "SSH handshake with \(host):\(port) failed: \(reason)\(hint)")
        }
        defer { libssh2_session_disconnect_ex(session, 11, "done", "") }
        try Self.verifyHostKey(session, host: host, port: port, access: access)
        try Self.authenticate(session, user: url.user ?? SSHAccess.currentUser, host: host, access: access)
        return try Self.execute(command, session: session)
    }

    private static func verifyHostKey(_ session: OpaquePointer, host: String, port: Int, access: SSHAccess)
        throws(GitError)
    {
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &type) else {
            throw Self.error(.hostKey, "the server sent no host key")
        }
        let keyType = KnownHosts.libssh2KeyType(forRawType: Int(type))
        let fingerprint =
            libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256).map { Data(bytes: $0, count: 32) } ?? Data()
        if let message = KnownHosts.verify(
            host: host,
            port: port,
            key: UnsafeRawBufferPointer(start: key, count: length),
            keyType: keyType,
            sha256: fingerprint,
            access: access
        ) {
            throw Self.error(.hostKey, message)
        }
    }

    private static func authenticate(_ session: OpaquePointer, user: String, host: String, access: SSHAccess)
        throws(GitError)
    {
        let attempts = access.keyAttempts
        for attempt in attempts {
            switch attempt {
            case .agent:
                if Self.authenticateWithAgent(session, user: user) { return }
            case .file(let key):
                if libssh2_userauth_publickey_fromfile_ex(session, user, UInt32(user.utf8.count), nil, key, nil) == 0 {
                    return
                }
            }
        }
        guard !attempts.isEmpty else {
            throw Self.error(
                .authentication,
                "no SSH key: no ssh-agent and no private key found (looked for \(access.candidateKeys.joined(separator: ", ")))"
            )
        }
        let offered = attempts.map(\.description).joined(separator: ", ")
        throw Self.error(
            .authentication,
            "the server rejected SSH key \(offered) for \(user)@\(host): \(Self.lastError(session))"
        )
    }

    /// Tries each identity the agent holds.
    private static func authenticateWithAgent(_ session: OpaquePointer, user: String) -> Bool {
        guard let agent = libssh2_agent_init(session) else { return false }
        defer { libssh2_agent_free(agent) }
        guard libssh2_agent_connect(agent) == 0 else { return false }
        defer { libssh2_agent_disconnect(agent) }
        guard libssh2_agent_list_identities(agent) == 0 else { return false }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
        while libssh2_agent_get_identity(agent, &identity, previous) == 0 {
            if libssh2_agent_userauth(agent, user, identity) == 0 { return true }
            previous = identity
        }
        return false
    }

    private static func execute(_ command: String, session: OpaquePointer) throws(GitError) -> SSHCommandResult {
        let window = UInt32(2 * 1024 * 1024)
        guard let channel = libssh2_channel_open_ex(session, "session", 7, window, 32_768, nil, 0) else {
            throw Self.error(.network, "cannot open an SSH channel: \(Self.lastError(session))")
        }
        defer { libssh2_channel_free(channel) }
        guard libssh2_channel_process_startup(channel, "exec", 4, command, UInt32(command.utf8.count)) == 0 else {
            throw Self.error(.other, "the server refused to run a command: \(Self.lastError(session))")
        }
        let output = try Self.readAll(channel, stream: 0, session: session)
        let errorOutput = try Self.readAll(channel, stream: 1, session: session)
        libssh2_channel_close(channel)
        libssh2_channel_wait_closed(channel)
        return SSHCommandResult(
            status: libssh2_channel_get_exit_status(channel),
            output: output,
            errorOutput: errorOutput
        )
    }

    private static func readAll(_ channel: OpaquePointer, stream: Int32, session: OpaquePointer) throws(GitError)
        -> String
    {
        var data = Data()
        var buffer = [CChar](repeating: 0, count: 16_384)
        while true {
            let count = libssh2_channel_read_ex(channel, stream, &buffer, buffer.count)
            if count == 0 { break }
            guard count > 0 else {
                throw Self.error(.network, "reading the command's output failed: \(Self.lastError(session))")
            }
            buffer.withUnsafeBytes { data.append(contentsOf: $0.prefix(count)) }
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func lastError(_ session: OpaquePointer) -> String {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        libssh2_session_last_error(session, &message, &length, 0)
        return message.map { String(cString: $0) } ?? "unknown error"
    }

    private static func error(_ code: GitError.Code, _ message: String) -> GitError {
        GitError(code: code, function: "ssh", status: -1, message: message)
    }
}

/// A blocking TCP socket whose connect is bounded by `timeout` (0 waits as long as the OS does).
enum TCPConnection {
    static func open(host: String, port: Int, timeout: Duration) throws(GitError) -> Int32 {
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
