import Foundation
import Synchronization

/// Runs a program to completion and returns what it printed.
package enum Command {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    package struct Output: Sendable {
        package var status: Int32
        package var standardOutput: String
        package var standardError: String
    }

    /// Fails with the Debian package to install when `path` is missing (`scripts/install-dependencies`
    /// installs them all).
    package static func requireInstalled(_ path: String, package: String) throws {
        guard !FileManager.default.isExecutableFile(atPath: path) else { return }
        throw Failure(
            description: "\(path) is missing: apt-get install \(package) (or run scripts/install-dependencies)"
        )
    }

    @discardableResult
    package static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: String? = nil,
        environment: [String: String] = [:],
        input: String? = nil
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = try ChildPipe()
        let error = try ChildPipe()
        process.standardOutput = output.write
        process.standardError = error.write
        let standardInput = try ChildPipe()
        if input != nil { process.standardInput = standardInput.read }
        // Foundation's Process.run is not safe to call from many threads at once (seen: a crash in
        // its argument copying while a hundred tests started children together).
        try Self.spawning.withLock { try process.run() }
        // The child has its ends now: ours must go, or our reads never see EOF.
        try? output.write.close()
        try? error.write.close()
        try? standardInput.read.close()
        if let input {
            let writer = standardInput.write
            Thread {
                try? writer.write(contentsOf: Data(input.utf8))
                try? writer.close()
            }.start()
        } else {
            try? standardInput.write.close()
        }
        // Read both pipes concurrently so that neither fills up and blocks the child.
        let errorData = LockedData()
        let reader = Thread { errorData.set(Self.readToEnd(error.read)) }
        reader.start()
        let outputData = Self.readToEnd(output.read)
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self)
        )
    }

    private static let spawning = NSLock()

    /// Everything until EOF, reading again when a signal interrupts a read (Foundation's
    /// `readDataToEndOfFile` crashes on EINTR, and SIGCHLD arrives whenever a child exits).
    static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }

    /// `git ARGS`, which must succeed; returns its standard output without the final newline.
    @discardableResult
    package static func git(_ arguments: [String], in directory: String? = nil) throws -> String {
        let output = try self.run(
            "git",
            ["-c", "user.name=Test", "-c", "user.email=test@example.com"] + arguments,
            in: directory
        )
        guard output.status == 0 else {
            throw Failure(description: "git \(arguments.joined(separator: " ")) failed: \(output.standardError)")
        }
        return String(output.standardOutput.dropLast(output.standardOutput.hasSuffix("\n") ? 1 : 0))
    }
}

private final class LockedData: Sendable {
    private let data = Mutex<Data?>(nil)

    func set(_ data: Data) { self.data.withLock { $0 = data } }
    var isSet: Bool { self.data.withLock { $0 != nil } }
    var value: Data { self.data.withLock { $0 ?? Data() } }
}

/// A pipe for one child's standard stream whose descriptors no other child inherits: marked
/// close-on-exec at once (Foundation's `Pipe` is not, and its `Process` closes nothing in the
/// child), so a long-running command another test starts meanwhile does not hold this pipe's
/// write end and keep the reader here waiting for EOF until that command exits (whole test runs
/// stalled on it for minutes). The child still gets its end: `dup2` onto 0, 1 or 2 clears the flag.
struct ChildPipe {
    let read: FileHandle
    let write: FileHandle

    init() throws {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw Command.Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        self.read = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true)
        self.write = FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: true)
    }
}

extension Command {
    /// Writes an executable script at `path`. The file is open for writing only with O_CLOEXEC, so
    /// a child that another test starts meanwhile does not keep it open; a script still open for
    /// writing in some process cannot be started ("Text file busy").
    package static func writeExecutable(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw Command.Failure(description: "cannot write \(path): \(errno)") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Foundation.write(descriptor, bytes, bytes.count) == bytes.count, fchmod(descriptor, 0o755) == 0 else {
            throw Command.Failure(description: "cannot write \(path): \(errno)")
        }
    }
}
