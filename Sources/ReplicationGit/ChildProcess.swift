internal import CProcessControl
package import Foundation
import Synchronization

/// A child process spawned with `posix_spawn`, not Foundation's `Process`: it inherits no
/// descriptor but its pipes and standard error (Foundation's `Process` hands every child a socket
/// of its own), default signal handling and an empty signal mask (the daemon blocks SIGTERM for
/// its own handler, and ignores SIGPIPE; a child must do neither).
package final class ChildProcess: Sendable {
    package let pid: pid_t
    /// The child's standard input, when it was asked for.
    package let input: FileHandle?
    /// The child's standard output.
    package let output: FileHandle
    /// The child's standard error, when it was asked for (else it shares ours).
    package let errors: FileHandle?
    /// Whether the child leads a process group of its own (signals then reach what it started).
    private let leadsGroup: Bool
    /// The wait status, once reaped.
    private let status = Mutex<Int32?>(nil)

    /// - Parameters:
    ///   - processGroup: whether the child leads a process group of its own, so that
    ///     ``stop(grace:)`` also ends what it started (a shell's children).
    ///   - diesWithParent: the kernel sends the child SIGTERM when this process dies, even by
    ///     SIGKILL: a push's `pack-objects` and local `receive-pack` must not outlive the daemon
    ///     and land a stale update after its successor started. SIGTERM, not SIGKILL: git removes
    ///     its `.lock` files on SIGTERM, and a killed `receive-pack` would leave `refs/….lock`
    ///     behind, refusing every later update of that ref. The kernel's "parent" is the calling
    ///     thread: only for children the calling thread waits for.
    package init(
        _ executable: String,
        _ arguments: [String],
        input wantsInput: Bool = false,
        errors wantsErrors: Bool = false,
        processGroup: Bool = false,
        diesWithParent: Bool = false
    ) throws(GitError) {
        let stdin = wantsInput ? try Self.pipe() : nil
        let stdout = try Self.pipe()
        let stderr = wantsErrors ? try Self.pipe() : nil
        let spawned: Result<pid_t, SpawnError>
        if diesWithParent {
            spawned = Self.spawnDyingWithParent(
                executable,
                arguments,
                descriptors: (stdin?.read ?? -1, stdout.write, stderr?.write ?? -1),
                processGroup: processGroup
            )
        } else {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            if let stdin {
                posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
            } else {
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            }
            posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
            if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr.write, 2) }
            spawned = Self.spawn(executable, arguments, actions: &actions, processGroup: processGroup)
        }
        for end in [stdin?.read, stdout.write, stderr?.write].compactMap({ $0 }) { close(end) }
        guard case .success(let pid) = spawned else {
            for end in [stdin?.write, stdout.read, stderr?.read].compactMap({ $0 }) { close(end) }
            let code = if case .failure(let error) = spawned { error.code } else { Int32(0) }
            throw Self.failure("cannot start \(executable): \(String(cString: strerror(code)))")
        }
        self.pid = pid
        self.leadsGroup = processGroup
        self.input = stdin.map { FileHandle(fileDescriptor: $0.write, closeOnDealloc: true) }
        self.output = FileHandle(fileDescriptor: stdout.read, closeOnDealloc: true)
        self.errors = stderr.map { FileHandle(fileDescriptor: $0.read, closeOnDealloc: true) }
    }

    /// `posix_spawn` with `actions` plus: every other inherited descriptor closed (whoever opened it
    /// and however; no close-on-exec needed), default signal handling and an empty mask, and
    /// `environment` added to ours. The pid, or `posix_spawn`'s error.
    package static func spawn(
        _ executable: String,
        _ arguments: [String],
        actions: inout posix_spawn_file_actions_t,
        environment: [String: String] = [:],
        processGroup: Bool = false
    ) -> Result<pid_t, SpawnError> {
        // Closed in the child, atomically: a list of descriptors read here would miss a pipe another
        // thread opens before posix_spawn runs, and that child would hold its write end, so the
        // pipe's reader never sees end-of-file (seen as a hung test; a stalled push in the daemon).
        guard replicator_spawn_close_from(&actions, 3) == 0 else { return .failure(SpawnError(code: ENOSYS)) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if processGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = environment.isEmpty ? [] : merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned =
            envp.isEmpty
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            : posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        return spawned == 0 ? .success(pid) : .failure(SpawnError(code: spawned))
    }

    /// What ``spawn(_:_:actions:environment:processGroup:)`` does, with PR_SET_PDEATHSIG set in the
    /// child before it executes (`replicator_spawn`).
    private static func spawnDyingWithParent(
        _ executable: String,
        _ arguments: [String],
        descriptors: (input: Int32, output: Int32, errors: Int32),
        processGroup: Bool
    ) -> Result<pid_t, SpawnError> {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: Int32 = 0
        // Our own environment as it is (posix_spawn's path passes it the same way): no dictionary
        // and copies of every variable twice a push.
        let error = replicator_spawn(
            &pid,
            executable,
            argv,
            environ,
            descriptors.input,
            descriptors.output,
            descriptors.errors,
            processGroup ? 1 : 0,
            SIGTERM
        )
        return error == 0 ? .success(pid) : .failure(SpawnError(code: error))
    }

    /// `posix_spawn`'s error number.
    package struct SpawnError: Error {
        package var code: Int32
    }

    /// A pipe whose ends close on exec: only the copies `dup2` places survive in the child.
    private static func pipe() throws(GitError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Foundation.pipe(&ends) == 0 else { throw Self.failure("cannot create a pipe") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    private static func failure(_ message: String) -> GitError {
        GitError(code: .other, function: "posix_spawn", status: -1, message: message)
    }

    package func signal(_ signal: Int32) {
        guard !self.hasExited else { return }
        kill(self.pid, signal)
    }

    /// SIGTERM to the child (and its process group when it leads one), SIGKILL after `grace`, then
    /// reaps it. A child blocked on a full pipe that nobody reads any more ends too.
    package func stop(grace: Duration = .seconds(2)) {
        guard !self.hasExited else { return }
        self.deliver(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while !self.hasExited, ContinuousClock.now < deadline { usleep(20_000) }
        if !self.hasExited {
            self.deliver(SIGKILL)
            self.waitForExit()
        }
    }

    /// SIGTERM at once to the child and, when it leads one, its group (its hooks): a push stopped
    /// by its fence must not go on writing. git dies at once on SIGTERM, removing its `.lock`
    /// files (SIGKILL would leave them, and the mirror would refuse the ref until a person
    /// removes them); ``stop(grace:)`` follows with SIGKILL if it does not.
    package func terminateAll() {
        guard !self.hasExited else { return }
        self.deliver(SIGTERM)
    }

    /// `signal` to the group the child leads, else to the child alone: signalling `-pid` of a child
    /// that leads no group reaches nobody (a stop that waited forever on `git pack-objects`).
    private func deliver(_ signal: Int32) {
        if self.leadsGroup, kill(-self.pid, signal) == 0 { return }
        kill(self.pid, signal)
    }

    package var hasExited: Bool {
        self.status.withLock { reaped in
            guard reaped == nil else { return true }
            var status: Int32 = 0
            if waitpid(self.pid, &status, WNOHANG) == self.pid { reaped = status }
            return reaped != nil
        }
    }

    package func waitForExit() {
        self.status.withLock { reaped in
            guard reaped == nil else { return }
            var status: Int32 = 0
            while waitpid(self.pid, &status, 0) == -1, errno == EINTR {}
            reaped = status
        }
    }

    /// The exit status, or 128 + the signal that ended it; `nil` while it runs.
    package var terminationStatus: Int32? {
        self.status.withLock {
            $0.map { status in
                let signal = status & 0x7F
                return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            }
        }
    }
}
