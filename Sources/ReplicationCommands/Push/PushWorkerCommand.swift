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
        let output = PushJobRun.output {
            let (job, snapshot) = try PushWorkerJob.read(from: FileHandle.standardInput.readDataToEndOfFile())
            let configuration =
                snapshot.map {
                    ReplicationConfiguration.load(path: self.config, fileSystem: SnapshotConfigFileSystem(snapshot: $0))
                } ?? ReplicationConfiguration.load(path: self.config, fileSystem: LocalConfigFileSystem())
            return PushJobRun(
                configuration: configuration,
                job: job,
                pool: SSHSessionPool(),
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
    static let code = PushOutcome.Failure.sourceMissing
    var message: String
}

/// A mirror's deletion could not be proven safe (its path, or the source still being there): reported
/// as a refusal, never retried.
struct DeletionRefused: Error {
    static let code = PushOutcome.Failure.deletionRefused
    var message: String
}

/// Creates a mirror repository where the push will look for it: through `adminUrl` when one is
/// configured (expanded exactly as `url` is), else at the push URL itself.
struct RepositoryCreator {
    let project: String
    let remote: RemoteConfiguration
    let gerrit: GerritOptions
    let head: String?
    let access: SSHAccess
    /// The push's session pool: admin commands reuse its logins.
    var pool: SSHSessionPool? = nil

    /// Local mirrors are created before the push, when missing.
    func createIfMissingLocally(_ url: RemoteURL) throws -> Bool {
        guard url.transport == .local, !FileManager.default.fileExists(atPath: url.path) else { return false }
        guard self.remote.createMissingRepositories else {
            let message = "\(url.path) does not exist and remote.\(self.remote.name).createMissingRepositories is false"
            throw GitError(code: .repositoryNotFound, function: "push", status: -3, message: message)
        }
        try self.create(url)
        return true
    }

    func updateHead(_ url: RemoteURL, to head: String) throws(GitError) -> Bool {
        try RemoteRepositoryAdmin.updateHead(
            at: self.adminURL(for: url),
            to: head,
            gitPath: self.remote.gitPath,
            channel: self.channel
        )
    }

    private var channel: SSHAdminChannel {
        SSHAdminChannel(
            access: self.access,
            connectTimeout: self.gerrit.sshConnectionTimeout,
            timeout: self.gerrit.sshCommandTimeout,
            pool: self.pool
        )
    }

    /// The resolved push URL, or the first `adminUrl` expanded as `url` is and resolved the same way.
    private func adminURL(for url: RemoteURL) -> RemoteURL {
        guard let admin = self.remote.adminUrls.first else { return url }
        return SSHEndpoint.resolve(
            admin.expand(project: self.project, style: self.remote.remoteNameStyle),
            remote: self.remote
        ).url
    }

    /// Deletes the mirror at `url` only when its path lies strictly below the fixed part of the
    /// URL template it was expanded from (``URLTemplate/deletionProblem(at:)``).
    func delete(_ url: RemoteURL) throws(GitError) -> Bool {
        let target = self.adminURL(for: url)
        // Templates resolved as the URLs were (ssh_config may turn an scp path into `/~/path`).
        let templates = (self.remote.adminUrls.first.map { [$0] } ?? self.remote.urls).map {
            URLTemplate(text: $0.text, url: SSHEndpoint.resolve($0.url, remote: self.remote).url)
        }
        let template = templates.first {
            $0.expand(project: self.project, style: self.remote.remoteNameStyle).path == target.path
        }
        guard let template else {
            throw GitError(
                code: .invalid,
                function: "deleting the repository",
                status: -1,
                message: "refusing to delete '\(target.path)': no URL of remote \(self.remote.name) expands to it"
            )
        }
        if let problem = template.deletionProblem(at: target.path) {
            throw GitError(
                code: .invalid,
                function: "deleting the repository",
                status: -1,
                message: "refusing: \(problem)"
            )
        }
        return try RemoteRepositoryAdmin.deleteRepository(at: target, channel: self.channel)
    }

    func create(_ url: RemoteURL) throws(GitError) {
        try RemoteRepositoryAdmin.createRepository(
            at: self.adminURL(for: url),
            head: self.head,
            gitPath: self.remote.gitPath,
            storeRefLog: self.remote.storeRefLog,
            channel: self.channel
        )
    }
}
