package import Foundation
import ReplicationGit

/// A long-running child (`replicator serve`, `git daemon`) started with posix_spawn, not
/// Foundation.Process, with every inherited descriptor closed and its output in a log file. It leads
/// a process group of its own: when the value goes away the whole group is killed, so what it
/// started (git daemon's per-connection children, a daemon's receive-packs) goes with it.
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
        let spawned = ChildProcess.spawn(
            path,
            arguments,
            actions: &actions,
            environment: environment,
            processGroup: true
        )
        guard case .success(let pid) = spawned else {
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
        kill(-self.pid, SIGKILL)  // whatever it started and left behind
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

/// Runs blocking work (process launches, `eventually` loops) on a thread of its own and awaits it:
/// a long end-to-end test must not hold one of the cooperative pool's threads (two on a two-core
/// machine) while the other tests wait for one. Assertions belong after the `await`, on the test's
/// own task, so that they are attributed to the test.
package func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "replicator.tests.own-thread").async { continuation.resume(with: Result { try body() }) }
    }
}
