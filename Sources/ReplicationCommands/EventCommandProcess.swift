import Foundation

/// The `--events-from` command (`/bin/sh -c COMMAND`): spawned in a process group of its own, with
/// default signal handling and an empty signal mask (the daemon blocks SIGTERM for its own
/// handler; a child must not inherit that), and no descriptor of the daemon's but its pipe.
/// ``stop()`` ends the whole group, so an `ssh … stream-events` never outlives the daemon.
final class EventCommandProcess: @unchecked Sendable {
    let pid: pid_t
    /// The command's standard output.
    let output: FileHandle
    private let lock = NSLock()
    private var reaped = false

    init(command: String) throws {
        var pipe: [Int32] = [0, 0]
        guard Foundation.pipe(&pipe) == 0 else { throw CommandFailure("cannot create a pipe for the event command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        for descriptor in Self.openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP)
        )
        let words: [String] = ["/bin/sh", "-c", command]
        let argv = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(pipe[1])
        guard status == 0 else {
            close(pipe[0])
            throw CommandFailure("cannot start the event command: \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.output = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true)
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// SIGTERM to the command's process group, SIGKILL after `grace`, then reaps it.
    func stop(grace: Duration = .seconds(2)) {
        guard !self.hasExited else { return }
        kill(-self.pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while !self.hasExited, ContinuousClock.now < deadline { usleep(20_000) }
        if !self.hasExited {
            kill(-self.pid, SIGKILL)
            self.waitForExit()
        }
    }

    var hasExited: Bool {
        self.lock.withLock {
            guard !self.reaped else { return true }
            var status: Int32 = 0
            if waitpid(self.pid, &status, WNOHANG) == self.pid { self.reaped = true }
            return self.reaped
        }
    }

    func waitForExit() {
        self.lock.withLock {
            guard !self.reaped else { return }
            var status: Int32 = 0
            waitpid(self.pid, &status, 0)
            self.reaped = true
        }
    }
}
