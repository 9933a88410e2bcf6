import CProcessControl
package import Foundation

/// A long-running child (`replicator serve`, `git daemon`) started with posix_spawn, not
/// Foundation.Process, with every inherited descriptor closed and its output in a log file. It leads
/// a process group of its own: when the value goes away the whole group is killed, so what it
/// started (git daemon's per-connection children, a daemon's receive-packs) goes with it.
package final class BackgroundProcess: @unchecked Sendable {
    package let pid: pid_t
    package let logPath: String
    private var reaped = false

    package init(_ path: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws {
        let output = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw Command.Failure(description: "cannot open \(log)") }
        defer { close(output) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: Int32 = 0
        // The daemon's own spawn: standard input /dev/null, every other descriptor closed, a
        // process group of its own (no death signal: a test may outlive the thread that started it).
        let error = replicator_spawn(&pid, path, argv, envp, -1, output, output, 1, 0)
        guard error == 0 else { throw Command.Failure(description: "cannot start \(path): error \(error)") }
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

/// Runs blocking work (process launches, `eventually` loops) on a thread of its own and awaits it:
/// a long end-to-end test must not hold one of the cooperative pool's threads (two on a two-core
/// machine) while the other tests wait for one. Assertions belong after the `await`, on the test's
/// own task, so that they are attributed to the test.
package func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "replicator.tests.own-thread").async { continuation.resume(with: Result { try body() }) }
    }
}
