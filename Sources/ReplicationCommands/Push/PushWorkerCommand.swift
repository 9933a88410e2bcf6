import ArgumentParser
import CProcessControl
import Foundation
import ReplicationCore
import ReplicationGit

/// `replicator push-worker`: one push to one URL, in its own process so that the parent can kill it
/// when the network stops answering (libgit2 1.5 cannot interrupt a blocked read). Used only
/// without a git binary; otherwise pushes run in-process on Replicator's own engine. Writes progress
/// lines to standard error and one ``PushOutcome`` JSON document to standard output.
struct PushWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push-worker",
        abstract: "Internal: push one project to one URL with libgit2 (the fallback without git).",
        shouldDisplay: false
    )

    @Option(name: .long) var config: String

    func run() throws {
        // A supervisor that dies (SIGKILL) takes its pushes along: its node's claims will go to
        // another node, which must not find an orphan still pushing to the same URL.
        guard replicator_die_with_parent() == 0 else {
            throw CommandFailure("the supervising process is gone")
        }
        LibGit2.initialize()
        let pool = SSHSessionPool()
        defer { pool.closeAll() }
        let output = PushJobRun.output {
            let (job, snapshot) = try PushWorkerJob.read(from: FileHandle.standardInput.readDataToEndOfFile())
            let configuration =
                snapshot.map {
                    ReplicationConfiguration.load(path: self.config, fileSystem: SnapshotConfigFileSystem(snapshot: $0))
                } ?? ReplicationConfiguration.load(path: self.config, fileSystem: LocalConfigFileSystem())
            return PushJobRun(
                configuration: configuration,
                job: job,
                pool: pool,
                site: SiteAccess(),
                cancellation: nil,
                announce: Self.announce
            )
        }
        try FileHandle.standardOutput.write(contentsOf: try JSONEncoder().encode(output))
    }

    /// Progress lines on standard error, which the supervisor watches for signs of life.
    static func announce(_ progress: PushProgress) {
        let line: String
        switch progress {
        case .connected: line = "progress connected"
        case .planned(let updates): line = "progress planned \(updates)"
        case .sent(let bytes): line = "progress sent \(bytes)"
        }
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// What a push worker is asked to do, on its standard input: this JSON on the first line, then the
/// daemon's ``ConfigSnapshot`` when it runs one.
struct PushWorkerJob: Codable {
    var remote: String
    var project: String
    var url: String
    var work: PushWork

    func encoded(snapshot: Data?) -> Data {
        var data = (try? JSONEncoder().encode(self)) ?? Data()
        data.append(UInt8(ascii: "\n"))
        if let snapshot { data.append(snapshot) }
        return data
    }

    static func read(from input: Data) throws -> (PushWorkerJob, ConfigSnapshot?) {
        let newline = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.endIndex
        let job = try JSONDecoder().decode(PushWorkerJob.self, from: input[..<newline])
        let rest = input[newline...].dropFirst()
        return (job, rest.isEmpty ? nil : try JSONDecoder().decode(ConfigSnapshot.self, from: rest))
    }
}

/// The source repository is gone: nothing to push, and retrying will not help.
struct SourceMissing: Error {
    static let code = FailureCode.sourceMissing
    var message: String
}

/// The mirror's URL is unsafe for this project (``MirrorTargets``): permanent until the
/// configuration or the projects change.
struct TargetRefused: Error {
    static let code = FailureCode.targetRefused
    var message: String
}

/// A mirror's deletion could not be proven safe (its path, or the source still being there): reported
/// as a refusal, never retried.
struct DeletionRefused: Error {
    static let code = FailureCode.deletionRefused
    var message: String
}

extension FailureCode {
    /// libgit2's (and our wire code's) classification of a failed call.
    init(_ code: GitError.Code) {
        switch code {
        case .authentication: self = .authentication
        case .hostKey: self = .hostKey
        case .repositoryNotFound: self = .repositoryNotFound
        case .network: self = .network
        case .invalid: self = .invalid
        case .other: self = .other
        }
    }
}
