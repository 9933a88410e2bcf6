package import Foundation

/// Runs the built `replicator` executable, as a user would.
package struct ReplicatorProcess {
    package struct Result {
        package var status: Int32
        package var standardOutput: String
        package var standardError: String
    }

    /// The package's root directory, found from this source file.
    package static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `replicator` sits beside the test bundle in the build's products directory.
    package static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            let candidate = directory.appendingPathComponent("replicator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/replicator")
    }()

    package static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let output = try Command.run(self.executable.path, arguments, environment: environment)
        return Result(status: output.status, standardOutput: output.standardOutput, standardError: output.standardError)
    }
}

/// A temporary directory holding config files, removed when the test ends.
package struct TemporaryConfig: ~Copyable {
    package let directory: URL

    package init(files: [String: String]) throws {
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

    package func path(_ name: String) -> String { self.directory.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: self.directory) }
}

/// `replicator serve` started as a user would, on loopback: killed when the value goes away.
package final class ServedReplicator {
    package let process: BackgroundProcess
    package let port: Int

    package var base: String { "http://127.0.0.1:\(self.port)" }
    package var log: String { self.process.log }

    /// Starts `serve --config CONFIG --listen 127.0.0.1:PORT` (`--log-level debug` unless the
    /// arguments set one) with `arguments` after them, its output in `log`.
    package init(
        config: String,
        port: Int,
        log: String,
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        let level = arguments.contains("--log-level") ? [] : ["--log-level", "debug"]
        self.process = try BackgroundProcess(
            ReplicatorProcess.executable.path,
            ["serve", "--config", config, "--listen", "127.0.0.1:\(port)"] + level + arguments,
            log: log,
            environment: environment
        )
        self.port = port
    }

    /// Whether `/healthz` answered 200 within `timeout`.
    package func isHealthy(within timeout: Duration = .seconds(20)) -> Bool {
        eventually(timeout: timeout) { (try? HTTPClient.get("\(self.base)/healthz"))?.status == 200 }
    }

    package func post(_ body: String, headers: [String: String] = [:]) throws -> HTTPClient.Response {
        try HTTPClient.post("\(self.base)/events", body, headers: headers)
    }

    package func signal(_ signal: Int32) { self.process.signal(signal) }
    @discardableResult
    package func wait() -> Int32 { self.process.wait() }
    package var hasExited: Bool { self.process.hasExited }
    package var pid: pid_t { self.process.pid }

    /// SIGTERM, then the exit status.
    @discardableResult
    package func stop() -> Int32 {
        self.process.signal(SIGTERM)
        return self.process.wait()
    }

    deinit {
        if !self.process.hasExited {
            self.process.signal(SIGKILL)
            self.process.wait()
        }
    }
}

/// Gerrit's stream-events JSON, as a Gerrit site sends it.
package enum GerritEvent {
    package static func refUpdated(_ ref: String, project: String = "p", old: String? = nil, new: String? = nil)
        -> String
    {
        let values = [old.map { #","oldRev":"\#($0)""# }, new.map { #","newRev":"\#($0)""# }].compactMap { $0 }
        return #"{"type":"ref-updated","refUpdate":{"project":"\#(project)","refName":"\#(ref)"\#(values.joined())}}"#
    }

    package static func projectDeleted(_ project: String) -> String {
        #"{"type":"project-deleted","projectName":"\#(project)"}"#
    }
}
