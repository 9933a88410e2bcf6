import Foundation
import ReplicationTestSupport

/// Runs the built `replicator` executable, as a user would.
struct ReplicatorProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The package's root directory, found from this source file.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `replicator` sits beside the test bundle in the build's products directory.
    static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            let candidate = directory.appendingPathComponent("replicator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/replicator")
    }()

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let output = try Command.run(self.executable.path, arguments, environment: environment)
        return Result(status: output.status, standardOutput: output.standardOutput, standardError: output.standardError)
    }
}

/// A temporary directory holding config files, removed when the test ends.
struct TemporaryConfig: ~Copyable {
    let directory: URL

    init(files: [String: String]) throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "replicator-\(UUID().uuidString)"
        )
        for (name, text) in files {
            let url = self.directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func path(_ name: String) -> String { self.directory.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: self.directory) }
}
