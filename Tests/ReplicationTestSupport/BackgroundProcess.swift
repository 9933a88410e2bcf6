package import Foundation

/// A long-running child (`replicator serve`) started with posix_spawn, not Foundation.Process, with
/// every inherited descriptor closed and its output in a log file. Killed when the value goes away.
package final class BackgroundProcess: @unchecked Sendable {
    package let pid: pid_t
    package let logPath: String
    private var reaped = false

    package init(_ path: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // Default signal handling and an empty mask, whatever the test runner blocked or ignored.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid = pid_t()
        guard posix_spawn(&pid, path, &actions, &attributes, argv, envp) == 0 else {
            throw Command.Failure(description: "cannot start \(path)")
        }
        self.pid = pid
        self.logPath = log
    }

    deinit {
        if !self.reaped {
            kill(self.pid, SIGKILL)
            _ = self.wait()
        }
    }

    package var log: String { (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? "" }

    package func signal(_ signal: Int32) {
        kill(self.pid, signal)
    }

    /// Waits for the process to exit; its exit status (128 + signal when killed).
    @discardableResult
    package func wait() -> Int32 {
        var status: Int32 = 0
        waitpid(self.pid, &status, 0)
        self.reaped = true
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Whether the process has exited, without waiting.
    package var hasExited: Bool {
        guard !self.reaped else { return true }
        var status: Int32 = 0
        if waitpid(self.pid, &status, WNOHANG) == self.pid {
            self.reaped = true
            return true
        }
        return false
    }
}

/// Polls `condition` until it holds or `timeout` passes.
package func eventually(
    timeout: Duration = .seconds(30),
    _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(100_000)
    }
    return try condition()
}
