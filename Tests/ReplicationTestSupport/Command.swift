import Foundation

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
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let standardInput = Pipe()
        if input != nil { process.standardInput = standardInput }
        try process.run()
        if let input {
            let writer = standardInput.fileHandleForWriting
            Thread {
                try? writer.write(contentsOf: Data(input.utf8))
                try? writer.close()
            }.start()
        }
        // Read both pipes concurrently so that neither fills up and blocks the child.
        let errorData = LockedData()
        let reader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self)
        )
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

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ data: Data) { self.lock.withLock { self.data = data } }
    var isSet: Bool { self.lock.withLock { self.data != nil } }
    var value: Data { self.lock.withLock { self.data ?? Data() } }
}
