import Foundation

/// A real PostgreSQL server on 127.0.0.1 and a free port, from Debian's binaries, in a temporary
/// directory (run as the `postgres` user when the tests run as root, which PostgreSQL refuses).
/// One per test process (``shared``); each test takes a database of its own.
package final class PostgresServer: @unchecked Sendable {
    package let directory: TemporaryDirectory
    package let port: Int
    private let binaries: String
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: PostgresServer?
    nonisolated(unsafe) private static var stopCommand: [String] = []

    /// The server of this test process, started on first use and stopped at exit.
    package static func shared() throws -> PostgresServer {
        try self.lock.withLock {
            if let started = self.started { return started }
            let server = try PostgresServer()
            self.started = server
            atexit {
                _ = try? Command.run(PostgresServer.stopCommand[0], Array(PostgresServer.stopCommand.dropFirst()))
            }
            return server
        }
    }

    private init() throws {
        guard
            let version = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?
                .compactMap(Int.init).max()
        else {
            throw Command.Failure(description: "PostgreSQL is not installed (apt-get install postgresql)")
        }
        self.binaries = "/usr/lib/postgresql/\(version)/bin"
        self.directory = try TemporaryDirectory("postgres")
        self.port = try SSHServer.freePort()
        if getuid() == 0 {
            _ = try Command.run("chown", ["-R", "postgres:postgres", self.directory.path])
        }
        let initdb = try self.run(
            "initdb",
            ["-D", self.directory.path("data"), "-A", "trust", "-U", "replicator", "-E", "UTF8", "--no-sync"]
        )
        guard initdb.status == 0 else { throw Command.Failure(description: "initdb failed: \(initdb.standardError)") }
        let options =
            "-p \(self.port) -k \(self.directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        let start = self.command("pg_ctl", ["-D", self.directory.path("data"), "-w", "-o", options, "start"])
        // pg_ctl leaves the server running: start it without Foundation.Process (see Daemon).
        let output = try Daemon.start(start[0], Array(start.dropFirst()), log: self.directory.path("pg_ctl.log"))
        guard output.contains("server started") else { throw Command.Failure(description: "postgres: \(output)") }
        Self.stopCommand = self.command("pg_ctl", ["-D", self.directory.path("data"), "-m", "immediate", "stop"])
    }

    /// A new, empty database; its `postgres://` URL.
    package func makeDatabase() throws -> String {
        let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        let created = try self.sql("CREATE DATABASE \(name)")
        guard created.status == 0 else { throw Command.Failure(description: "createdb: \(created.standardError)") }
        return "postgres://replicator@127.0.0.1:\(self.port)/\(name)"
    }

    /// Runs SQL with psql against `database`.
    package func sql(_ statement: String, database: String = "postgres") throws -> Command.Output {
        try Command.run(
            "psql",
            [
                "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", "\(self.port)", "-U", "replicator", "-d", database,
                "-c", statement,
            ]
        )
    }

    private func command(_ program: String, _ arguments: [String]) -> [String] {
        let path = "\(self.binaries)/\(program)"
        return getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
    }

    private func run(_ program: String, _ arguments: [String]) throws -> Command.Output {
        let command = self.command(program, arguments)
        return try Command.run(command[0], Array(command.dropFirst()))
    }
}
