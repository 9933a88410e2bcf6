import Foundation
import ReplicationCore
import Synchronization

/// Streams the pack for a push into a channel, from `git pack-objects`: the objects reachable from
/// the new ids and not from the bases (what the mirror has), reusing stored deltas and thin against
/// the bases, on every core. Never holds the pack in memory.
struct PackWriter {
    let git: String
    let repositoryPath: String
    let offsetDeltas: Bool

    /// Writes the pack; returns its size in bytes.
    func write(
        wants: [ObjectID],
        bases: [ObjectID],
        to channel: any WireChannel,
        progress: ((Int) -> Void)? = nil
    ) throws(GitError) -> Int {
        var arguments = ["--git-dir=\(self.repositoryPath)", "pack-objects", "--revs", "--stdout", "-q"]
        if !bases.isEmpty { arguments.append("--thin") }
        if self.offsetDeltas { arguments.append("--delta-base-offset") }
        let process = try ChildProcess(self.git, arguments, input: true, errors: true, diesWithParent: true)
        defer { process.stop(grace: .milliseconds(200)) }
        let revisions = Data((wants.map { "\($0.hex)\n" } + bases.map { "^\($0.hex)\n" }).joined().utf8)
        let feeder = Thread {
            try? process.input?.write(contentsOf: revisions)
            try? process.input?.close()
        }
        feeder.start()
        let errors = ErrorCollector(process.errors)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let output = process.output.fileDescriptor
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(output, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            try channel.write(Array(buffer.prefix(count)))
            total += count
            progress?(total)
        }
        process.waitForExit()
        guard process.terminationStatus == 0 else {
            let reason = errors.text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw GitError(
                code: .other,
                function: "pack-objects",
                status: process.terminationStatus ?? -1,
                message:
                    "git pack-objects failed: \(reason.isEmpty ? "exit \(process.terminationStatus ?? -1)" : reason)"
            )
        }
        return total
    }
}

/// Reads a child's standard error on a thread of its own, so that it never fills up.
final class ErrorCollector: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle?) {
        guard let handle else {
            self.done.signal()
            return
        }
        Thread.detachNewThread {
            let bytes = handle.readDataToEndOfFile()
            self.data.withLock { $0 = bytes.prefix(100_000) }
            self.done.signal()
        }
    }

    /// What the child wrote, once it closed its standard error.
    var text: String {
        self.done.wait()
        self.done.signal()
        return self.data.withLock { String(decoding: $0, as: UTF8.self) }
    }
}
