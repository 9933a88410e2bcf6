import Foundation
import ReplicationGit
import Testing

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

private final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { self.lock.withLock { self.value } }

    func set() { self.lock.withLock { self.value = true } }
}
