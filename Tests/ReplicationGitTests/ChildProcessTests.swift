import Foundation
import ReplicationGit
import ReplicationTestSupport
import Synchronization
import Testing

@Suite(.offThePool)
struct ChildProcessTests {
    /// A child holding another thread's pipe keeps that pipe's reader from ever seeing end-of-file:
    /// the hang a parallel test run hit. Pipes opened (without close-on-exec) while children are
    /// spawned never reach them.
    @Test func childrenNeverInheritAPipeOpenedMeanwhile() throws {
        let stop = ManagedFlag()
        let opener = Thread {
            while !stop.isSet {
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { continue }
                close(ends[0])
                close(ends[1])
            }
        }
        opener.start()
        defer { stop.set() }
        for _ in 0..<100 {
            let child = try ChildProcess("/bin/sh", ["-c", "ls /proc/$$/fd"])
            let listed = String(decoding: child.output.readDataToEndOfFile(), as: UTF8.self)
            child.waitForExit()
            let descriptors = listed.split(separator: "\n").filter { Int($0).map { $0 > 2 } ?? false }
            // The shell's own directory handle for ls is in ls's process, not the shell's.
            #expect(descriptors.isEmpty, "inherited: \(descriptors)")
        }
    }
}

private final class ManagedFlag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { self.value.withLock { $0 } }

    func set() { self.value.withLock { $0 = true } }
}

extension ChildProcessTests {
    /// A child blocked writing into a pipe nobody reads (`git pack-objects` once the mirror stopped
    /// taking the pack) ends when stopped, whether or not it leads a process group: stopping one
    /// that leads none used to signal `-pid`, reach nobody and wait forever.
    @Test(arguments: [false, true])
    func stopEndsAChildBlockedOnAFullPipe(processGroup: Bool) throws {
        let child = try ChildProcess("/bin/sh", ["-c", "exec yes"], processGroup: processGroup)
        usleep(100_000)  // long enough to fill the pipe
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            child.stop(grace: .milliseconds(200))
            stopped.signal()
        }
        #expect(stopped.wait(timeout: .now() + 10) == .success, "stop() returned")
        #expect(child.hasExited)
    }

    /// Children get this process's environment as it is (git needs HOME, PATH and its GIT_*
    /// settings), spawned either way.
    @Test(arguments: [false, true])
    func childrenGetOurEnvironment(diesWithParent: Bool) throws {
        // Compared with ours as it is: no setenv here, which would race other tests' spawns.
        var ours: Set<String> = []
        var entry = environ
        while let variable = entry.pointee {
            ours.insert(String(cString: variable))
            entry += 1
        }
        let child = try ChildProcess("/usr/bin/env", ["-0"], diesWithParent: diesWithParent)
        let listed = String(decoding: child.output.readDataToEndOfFile(), as: UTF8.self)
        child.waitForExit()
        let theirs = Set(listed.split(separator: "\0").map(String.init))
        #expect(theirs == ours)
        #expect(ours.contains { $0.hasPrefix("PATH=") })
    }
}
