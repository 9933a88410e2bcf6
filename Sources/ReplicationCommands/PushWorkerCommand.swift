import ArgumentParser
import CProcessControl
import Foundation
import ReplicationCore
import ReplicationGit

/// `replicator push-worker`: one push to one URL, in its own process so that the parent can kill it
/// when the network stops answering (libgit2 1.5 cannot interrupt a blocked read). Writes progress
/// lines to standard error and one ``PushWorkerOutput`` JSON document to standard output.
struct PushWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push-worker",
        abstract: "Internal: push one project to one URL (used by start and the daemon).",
        shouldDisplay: false
    )

    @Option(name: .long) var config: String
    @Option(name: .long) var remote: String
    @Option(name: .long) var project: String
    @Option(name: .long) var url: String
    @Option(name: .customLong("ref"), help: "Push these refs (delta mode).")
    var refs: [String] = []
    @Flag(name: .long, help: "Compare every ref with the mirror.") var full = false
    @Flag(name: .long, help: "Move the mirror's HEAD to the source's.") var head = false
    @Flag(name: .long, help: "Delete the mirror first (project-deleted).") var deleteProject = false
    @Flag(name: .long) var allowMassDeletion = false
    @Flag(name: .long, help: "Load the configuration from the snapshot on standard input (the daemon's).")
    var configOnStdin = false

    func run() throws {
        // A supervisor that dies (SIGKILL) takes its pushes along: its node's claims will go to
        // another node, which must not find an orphan still pushing to the same URL.
        guard replicator_die_with_parent() == 0 else {
            throw CommandFailure("the supervising process is gone")
        }
        LibGit2.initialize()
        var output = PushWorkerOutput(report: nil, error: nil)
        do {
            try self.run(into: &output)
        } catch let error as GitError {
            output.error = .init(code: error.code.rawValue, message: error.message)
        } catch let error as SourceMissing {
            output.error = .init(code: SourceMissing.code, message: error.message)
        } catch {
            output.error = .init(code: GitError.Code.other.rawValue, message: "\(error)")
        }
        FileHandle.standardOutput.write(try JSONEncoder().encode(output))
    }

    private func run(into output: inout PushWorkerOutput) throws {
        let configuration = try self.loadConfiguration()
        guard configuration.isUsable, let remote = configuration.remote(named: self.remote) else {
            throw CommandFailure("the configuration has errors or no remote \(self.remote)")
        }
        let (url, access) = SSHEndpoint.resolve(try RemoteURL(parsing: self.url), remote: remote)
        if self.deleteProject {
            let creator = RepositoryCreator(
                project: self.project,
                remote: remote,
                gerrit: configuration.gerrit,
                head: nil,
                access: access
            )
            output.deletedRepository = try creator.delete(url)
            Self.announce(.connected)
        }
        guard self.full || !self.refs.isEmpty || self.head else { return }
        let path = ProjectDirectory.repositoryPath(of: self.project, under: configuration.gerrit.basePath)
        guard FileManager.default.fileExists(atPath: path) else {
            throw SourceMissing(message: "the source repository \(path) does not exist")
        }
        let repository = try GitRepository(path: path)
        let local = try repository.readRefs()
        let creator = RepositoryCreator(
            project: self.project,
            remote: remote,
            gerrit: configuration.gerrit,
            head: local.headTarget,
            access: access
        )
        var created = false
        if self.full || !self.refs.isEmpty {
            let target = PushTarget(repository: repository, url: url, access: access, remote: remote, local: local.refs)
            output.report = try self.push(target, creator: creator, created: &created)
        }
        if self.full || self.head, !created, let head = local.headTarget, output.report?.failure == nil {
            // A full sync also brings the mirror's HEAD in line (a new repository got it at creation).
            Self.announce(.connected)
            output.updatedHead = try creator.updateHead(url, to: head) ? head : nil
            output.report?.updatedHead = output.updatedHead
        }
    }

    private func loadConfiguration() throws -> ReplicationConfiguration {
        guard self.configOnStdin else {
            return ReplicationConfiguration.load(path: self.config, fileSystem: LocalConfigFileSystem())
        }
        let snapshot = try JSONDecoder().decode(
            ConfigSnapshot.self,
            from: FileHandle.standardInput.readDataToEndOfFile()
        )
        return ReplicationConfiguration.load(
            path: self.config,
            fileSystem: SnapshotConfigFileSystem(snapshot: snapshot)
        )
    }

    private func push(_ target: PushTarget, creator: RepositoryCreator, created: inout Bool) throws -> PushReport {
        created = try creator.createIfMissingLocally(target.url)
        var report: PushReport
        do {
            report = try self.push(target)
        } catch let error as GitError
            where error.code == .repositoryNotFound && target.url.transport == .ssh
            && target.remote.createMissingRepositories
        {
            // Create it and push at once, not a replicationRetry later (reference §9 P12).
            try creator.create(target.url)
            created = true
            report = try self.push(target)
        }
        report.createdRepository = created
        return report
    }

    private struct PushTarget {
        let repository: GitRepository
        let url: RemoteURL
        let access: SSHAccess
        let remote: RemoteConfiguration
        let local: [String: ObjectID]
    }

    private func push(_ target: PushTarget) throws -> PushReport {
        let planner = UpdatePlanner(remote: target.remote)
        let refs = self.refs
        let full = self.full
        let allowMassDeletion = self.allowMassDeletion
        return try target.repository.push(
            to: target.url,
            access: target.access,
            batchSize: target.remote.pushBatchSize,
            progress: Self.announce
        ) { advertised in
            full
                ? planner.planFullSync(local: target.local, remote: advertised, allowMassDeletion: allowMassDeletion)
                : planner.planDelta(refs: refs, local: target.local, remote: advertised)
        }
    }

    private static func announce(_ progress: PushProgress) {
        let line: String
        switch progress {
        case .connected: line = "progress connected"
        case .planned(let updates): line = "progress planned \(updates)"
        case .sent(let bytes): line = "progress sent \(bytes)"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// What a push worker prints: a report, or the error that stopped the push before anything was sent.
struct PushWorkerOutput: Codable {
    struct Failure: Codable {
        var code: String
        var message: String
    }

    var report: PushReport?
    var error: Failure?
    /// `--delete-project`: whether there was a mirror to delete.
    var deletedRepository: Bool?
    /// `--head` / `--full`: the ref the mirror's HEAD was moved to.
    var updatedHead: String?
}

/// The source repository is gone: nothing to push, and retrying will not help.
struct SourceMissing: Error {
    static let code = "sourceMissing"
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
            timeout: self.gerrit.sshCommandTimeout
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

    func delete(_ url: RemoteURL) throws(GitError) -> Bool {
        try RemoteRepositoryAdmin.deleteRepository(at: self.adminURL(for: url), channel: self.channel)
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
