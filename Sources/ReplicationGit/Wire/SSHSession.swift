internal import CLibssh2
import Foundation
package import ReplicationCore
import Synchronization

/// Where an ssh session goes and as whom: sessions are shared only between equal keys.
package struct SSHEndpointKey: Hashable, Sendable {
    package var host: String
    package var port: Int
    package var user: String
    package var access: SSHAccess

    package init(url: RemoteURL, access: SSHAccess) {
        self.host = url.host ?? ""
        self.port = url.port ?? 22
        self.user = url.user ?? SSHAccess.currentUser
        self.access = access
    }
}

/// One authenticated libssh2 session over its own TCP connection, confined to one thread at a
/// time. Every blocking call is bounded by the session's timeout (libssh2 gives up after that long
/// without progress); ``interrupt()`` ends a call in progress from another thread.
final class SSHSession: @unchecked Sendable {
    let key: SSHEndpointKey
    let handle: OpaquePointer
    private let socket: Int32
    private(set) var lastUsed = ContinuousClock.now
    /// Set when a call failed in a way that leaves the session in doubt (or it was interrupted
    /// from another thread): it is not reused.
    private let broken = Atomic(false)
    var isBroken: Bool {
        get { self.broken.load(ordering: .acquiring) }
        set { self.broken.store(newValue, ordering: .releasing) }
    }
    /// Whether a channel got any answer since the session was checked out.
    var progressed = false
    /// Set by the pool when the session sat idle long enough to have been dropped silently (a NAT,
    /// a firewall): its next channel must open within this, or it is given up for a new login.
    var probeTimeout: Duration?

    private init(key: SSHEndpointKey, handle: OpaquePointer, socket: Int32) {
        self.key = key
        self.handle = handle
        self.socket = socket
    }

    deinit {
        // A session in doubt gets no goodbye: on a connection that went silent, libssh2 would wait
        // out the session timeout closing its channels.
        if self.isBroken { shutdown(self.socket, Int32(SHUT_RDWR)) }
        libssh2_session_disconnect_ex(self.handle, 11, "done", "")
        libssh2_session_free(self.handle)
        close(self.socket)
    }

    /// Connects, checks the host key and authenticates, all within `connectTimeout` per step.
    static func open(_ key: SSHEndpointKey, connectTimeout: Duration) throws(GitError) -> SSHSession {
        guard !key.host.isEmpty else { throw Self.error(.invalid, "the URL names no host") }
        try key.access.checkUsable(host: key.host)
        let socket = try TCPConnection.open(host: key.host, port: key.port, timeout: connectTimeout)
        guard let handle = libssh2_session_init_ex(nil, nil, nil, nil) else {
            close(socket)
            throw Self.error(.other, "cannot start libssh2")
        }
        let session = SSHSession(key: key, handle: handle, socket: socket)
        libssh2_session_set_blocking(handle, 1)
        session.setTimeout(connectTimeout)
        guard libssh2_session_handshake(handle, socket) == 0 else {
            if session.lastErrorIsTimeout {
                throw Self.error(
                    .network,
                    "no connection within \(connectTimeout.configText) (gerrit.sshConnectionTimeout): "
                        + "\(key.host):\(key.port) accepted but never completed the SSH handshake"
                )
            }
            let reason = session.lastError
            let hint = reason.contains("Unable to exchange encryption keys") ? GitError.rsaOnlyHint : ""
            throw Self.error(.network, "SSH handshake with \(key.host):\(key.port) failed: \(reason)\(hint)")
        }
        try session.verifyHostKey()
        try session.authenticate()
        return session
    }

    /// How long one blocking call may go without progress; zero waits as long as the server.
    func setTimeout(_ timeout: Duration) {
        libssh2_session_set_timeout(
            self.handle,
            timeout == .zero ? 0 : max(1, Int(clamping: timeout.wholeMilliseconds))
        )
    }

    /// Ends whatever call is blocked on this session (from any thread): it fails, and the session
    /// is not reused.
    func interrupt() {
        self.isBroken = true
        shutdown(self.socket, Int32(SHUT_RDWR))
    }

    func touch() { self.lastUsed = ContinuousClock.now }

    /// The session's timeout per blocking call; `nil` when it waits as long as the server.
    var callTimeout: Duration? {
        let milliseconds = libssh2_session_get_timeout(self.handle)
        return milliseconds > 0 ? .milliseconds(milliseconds) : nil
    }

    /// Waits at most `limit` until the socket can move what libssh2 is blocked on (non-blocking mode).
    func waitForSocket(_ limit: Duration) {
        let directions = libssh2_session_block_directions(self.handle)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        var descriptor = pollfd(fd: self.socket, events: events == 0 ? Int16(POLLIN) : events, revents: 0)
        _ = poll(&descriptor, 1, Int32(clamping: max(1, limit.wholeMilliseconds)))
    }

    /// Starts `command` in a new exec channel.
    func exec(_ command: String) throws(GitError) -> SSHChannel {
        var restore: Int?
        if let probe = self.probeTimeout {
            self.probeTimeout = nil
            let current = libssh2_session_get_timeout(self.handle)
            let bound = max(1, Int(clamping: probe.wholeMilliseconds))
            libssh2_session_set_timeout(self.handle, current == 0 ? bound : min(current, bound))
            restore = current
        }
        defer { if let restore { libssh2_session_set_timeout(self.handle, restore) } }
        let window = UInt32(2 * 1024 * 1024)
        guard let channel = libssh2_channel_open_ex(self.handle, "session", 7, window, 32_768, nil, 0) else {
            self.isBroken = true
            throw Self.error(.network, "cannot open an SSH channel: \(self.lastError)")
        }
        guard libssh2_channel_process_startup(channel, "exec", 4, command, UInt32(command.utf8.count)) == 0 else {
            libssh2_channel_free(channel)
            self.isBroken = true
            throw Self.error(.network, "the server refused to run a command: \(self.lastError)")
        }
        self.touch()
        return SSHChannel(session: self, handle: channel)
    }

    /// Runs `command` to its end and returns what it printed; with `timeout`, each read may wait
    /// that long (the channel opens within the session's current timeout).
    func run(_ command: String, timeout: Duration? = nil) throws(GitError) -> SSHCommandResult {
        let channel = try self.exec(command)
        if let timeout { self.setTimeout(timeout) }
        let output = try channel.readToEnd(stream: 0)
        let errorOutput = try channel.readToEnd(stream: 1)
        return SSHCommandResult(status: channel.finish(), output: output, errorOutput: errorOutput)
    }

    var lastError: String {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(self.handle, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? "unknown error"
        return code == LIBSSH2_ERROR_TIMEOUT ? "timed out (\(text))" : text
    }

    var lastErrorIsTimeout: Bool { libssh2_session_last_errno(self.handle) == LIBSSH2_ERROR_TIMEOUT }

    static func error(_ code: GitError.Code, _ message: String) -> GitError {
        GitError(code: code, function: "ssh", status: -1, message: message)
    }

    private func verifyHostKey() throws(GitError) {
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(self.handle, &length, &type) else {
            throw Self.error(.hostKey, "the server sent no host key")
        }
        let keyType = KnownHosts.libssh2KeyType(forRawType: Int(type))
        let fingerprint =
            libssh2_hostkey_hash(self.handle, LIBSSH2_HOSTKEY_HASH_SHA256).map { Data(bytes: $0, count: 32) } ?? Data()
        if let message = KnownHosts.verify(
            host: self.key.host,
            port: self.key.port,
            key: UnsafeRawBufferPointer(start: key, count: length),
            keyType: keyType,
            sha256: fingerprint,
            access: self.key.access
        ) {
            throw Self.error(.hostKey, message)
        }
    }

    private func authenticate() throws(GitError) {
        let user = self.key.user
        let attempts = self.key.access.keyAttempts
        for attempt in attempts {
            switch attempt {
            case .agent:
                if self.authenticateWithAgent(user: user) { return }
            case .file(let key):
                if libssh2_userauth_publickey_fromfile_ex(self.handle, user, UInt32(user.utf8.count), nil, key, nil)
                    == 0
                {
                    return
                }
            }
        }
        guard !attempts.isEmpty else {
            let keys = self.key.access.candidateKeys.joined(separator: ", ")
            throw Self.error(.authentication, "no SSH key: no ssh-agent and no private key found (looked for \(keys))")
        }
        let offered = attempts.map(\.description).joined(separator: ", ")
        throw Self.error(
            .authentication,
            "the server rejected SSH key \(offered) for \(user)@\(self.key.host): \(self.lastError)"
        )
    }

    /// Tries each identity the agent holds.
    private func authenticateWithAgent(user: String) -> Bool {
        guard let agent = libssh2_agent_init(self.handle) else { return false }
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
}
