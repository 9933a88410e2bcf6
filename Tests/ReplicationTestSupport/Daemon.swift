import Foundation

/// Starts a program that daemonizes itself, without Foundation.Process: Foundation notices a
/// child's exit through a socket the child inherits, so a daemon that keeps inherited descriptors
/// open (ssh-agent does) would leave the launching Process waiting forever.
package enum Daemon {
    /// Runs `path arguments` with only stdin and a log file as stdout/stderr, waits for the
    /// launcher to exit (the daemon lives on) and returns what it printed.
    package static func start(_ path: String, _ arguments: [String], log: String) throws -> String {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // closefrom(3) in the child: every descriptor open now, except stdin/stdout/stderr.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
            throw Command.Failure(description: "cannot start \(path)")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }
}
