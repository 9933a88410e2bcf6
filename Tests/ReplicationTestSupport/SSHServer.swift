import Foundation

/// A real OpenSSH server on 127.0.0.1 and a free port, with fresh ed25519 host and client keys,
/// running as the current user; stopped when the value goes away.
package final class SSHServer: @unchecked Sendable {
    package let directory: TemporaryDirectory
    package let port: Int
    package let user: String
    /// The client's private key, authorised on the server.
    package let clientKey: String
    /// A known_hosts file that trusts this server.
    package let knownHosts: String
    private var pid: pid_t?

    /// `environment` is set for every session (sshd's `SetEnv`), e.g. a `PATH` with fake commands.
    package init(environment: [String: String] = [:]) throws {
        try Command.requireInstalled("/usr/sbin/sshd", package: "openssh-server")
        try Command.requireInstalled("/usr/bin/ssh-keygen", package: "openssh-client")
        let directory = try TemporaryDirectory("sshd")
        self.directory = directory
        self.user =
            ProcessInfo.processInfo.environment["USER"]
            ?? (try? Command.run("id", ["-un"]).standardOutput
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? "root"
        self.clientKey = directory.path("client_ed25519")
        self.knownHosts = directory.path("known_hosts")
        self.port = try Self.freePort()
        for key in ["host_ed25519", "client_ed25519"] {
            try Command.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", directory.path(key)])
        }
        try FileManager.default.copyItem(
            atPath: directory.path("client_ed25519.pub"),
            toPath: directory.path("authorized_keys")
        )
        var config = Self.config(directory: directory, port: self.port, user: self.user)
        if !environment.isEmpty {
            config +=
                "SetEnv "
                + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n"
        }
        try directory.write(config, to: "sshd_config")
        if getuid() == 0 {
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        try self.start()
        let hostKey = try String(contentsOfFile: directory.path("host_ed25519.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(self.port) \(hostKey)\n".write(toFile: self.knownHosts, atomically: true, encoding: .utf8)
    }

    deinit { self.stop() }

    /// Starts sshd (again, after ``stop()``) on the same port with the same keys.
    package func start() throws {
        // sshd daemonizes: a long-lived child of this process would make Foundation's process monitor
        // block in wait4() on it, so no other Process could ever be reaped.
        try? FileManager.default.removeItem(atPath: self.directory.path("sshd.pid"))
        let started = try Command.run(
            "/usr/sbin/sshd",
            ["-f", self.directory.path("sshd_config"), "-E", self.directory.path("sshd.log")]
        )
        guard started.status == 0 else { throw Command.Failure(description: "sshd failed: \(started.standardError)") }
        try Self.waitForListener(port: self.port)
        self.pid = try Self.readPID(self.directory.path("sshd.pid"))
    }

    /// Ends every open connection (the per-connection sshd processes), as a server restart or an
    /// idle-connection reaper would; the server keeps listening.
    package func dropConnections() throws {
        guard let pid = self.pid else { return }
        let children = try Command.run("pgrep", ["-P", String(pid)]).standardOutput
        for child in children.split(separator: "\n").compactMap({ pid_t($0) }) { kill(child, SIGTERM) }
        usleep(200_000)
    }

    /// How many times a client logged in so far.
    package var loginCount: Int { self.log.components(separatedBy: "Accepted publickey").count - 1 }

    /// Returns once sshd has removed its pid file (it does so right before it exits), so a
    /// ``start()`` that follows never sees the old server delete the new one's pid file.
    package func stop() {
        guard let pid = self.pid else { return }
        kill(pid, SIGTERM)
        self.pid = nil
        let file = self.directory.path("sshd.pid")
        for _ in 0..<500 where FileManager.default.fileExists(atPath: file) { usleep(10_000) }
    }

    /// Waits up to 10 s: on a loaded two-core machine the daemonized sshd may write its pid file
    /// well after it started listening (a CI run once gave up after one second).
    private static func readPID(_ file: String) throws -> pid_t {
        for _ in 0..<1000 {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return pid
            }
            usleep(10_000)
        }
        throw Command.Failure(description: "sshd wrote no pid file")
    }

    /// `ssh://user@127.0.0.1:port/absolute/path`.
    package func url(_ path: String) -> String { "ssh://\(self.user)@127.0.0.1:\(self.port)\(path)" }

    /// The environment that makes the git CLI use this server's keys and known_hosts.
    package var gitEnvironment: [String: String] {
        let ssh =
            "ssh -i \(self.clientKey) -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes "
            + "-o UserKnownHostsFile=\(self.knownHosts)"
        return ["GIT_SSH_COMMAND": ssh]
    }

    package var log: String { (try? String(contentsOfFile: self.directory.path("sshd.log"), encoding: .utf8)) ?? "" }

    private static func config(directory: TemporaryDirectory, port: Int, user: String) -> String {
        """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(directory.path("host_ed25519"))
        PidFile \(directory.path("sshd.pid"))
        AuthorizedKeysFile \(directory.path("authorized_keys"))
        AllowUsers \(user)
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        PermitRootLogin prohibit-password
        MaxStartups 100:30:200
        AllowTcpForwarding no
        X11Forwarding no
        PrintMotd no
        LogLevel VERBOSE

        """
    }

    /// A port the kernel just handed out and released (a small race that tests tolerate).
    package static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Command.Failure(description: "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw Command.Failure(description: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func waitForListener(port: Int) throws {
        for _ in 0..<200 {
            if Self.accepts(port: port) { return }
            usleep(25_000)
        }
        throw Command.Failure(description: "sshd did not start listening on port \(port)")
    }

    private static func accepts(port: Int) -> Bool {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
