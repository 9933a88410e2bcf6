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

    func run() throws {
        // A supervisor that dies (SIGKILL) takes its pushes along: its node's claims will go to
        // another node, which must not find an orphan still pushing to the same URL.
        guard replicator_die_with_parent() == 0 else {
            throw CommandFailure("the supervising process is gone")
        }
        LibGit2.initialize()
        var output = PushWorkerOutput(report: nil, error: nil)
        do {
            let (job, snapshot) = try PushWorkerJob.read(from: FileHandle.standardInput.readDataToEndOfFile())
            try PushWorkerRun(config: self.config, job: job, snapshot: snapshot).run(into: &output)
        } catch let error as GitError {
            output.error = .init(code: error.code.rawValue, message: error.message)
        } catch let error as SourceMissing {
            output.error = .init(code: SourceMissing.code, message: error.message)
        } catch let error as DeletionRefused {
            output.error = .init(code: DeletionRefused.code, message: error.message)
        } catch {
            output.error = .init(code: GitError.Code.other.rawValue, message: "\(error)")
        }
        try FileHandle.standardOutput.write(contentsOf: try JSONEncoder().encode(output))
    }
}

/// One push, as ``PushWorkerCommand`` carries it out.
private struct PushWorkerRun {
    let config: String
    let job: PushWorkerJob
    let snapshot: ConfigSnapshot?

    private var remote: String { self.job.remote }
    private var project: String { self.job.project }
    private var url: String { self.job.url }
    private var refs: [String] { self.job.work.refs.sorted() }
    private var full: Bool { self.job.work.fullSync }
    private var head: Bool { self.job.work.updateHead }
    private var deleteProject: Bool { self.job.work.deleteProject }
    private var allowMassDeletion: Bool { self.job.work.allowMassDeletion }

    func run(into output: inout PushWorkerOutput) throws {
        let configuration = try self.loadConfiguration()
        guard configuration.isUsable, let remote = configuration.remote(named: self.remote) else {
            throw CommandFailure("the configuration has errors or no remote \(self.remote)")
        }
        let (url, access) = SSHEndpoint.resolve(try RemoteURL(parsing: self.url), remote: remote)
        let path = ProjectDirectory.repositoryPath(of: self.project, under: configuration.gerrit.basePath)
        if self.deleteProject {
            let creator = RepositoryCreator(
                project: self.project,
                remote: remote,
                gerrit: configuration.gerrit,
                head: nil,
                access: access
            )
            guard !FileManager.default.fileExists(atPath: path) else {
                throw DeletionRefused(message: "not deleted: the source repository \(path) exists (again)")
            }
            switch Result(catching: { () throws(GitError) in try creator.delete(url) }) {
            case .success(let deleted): output.deletedRepository = deleted
            case .failure(let error) where error.code == .invalid: throw DeletionRefused(message: error.message)
            case .failure(let error): throw error
            }
            Self.announce(.connected)
        }
        guard self.full || !self.refs.isEmpty || self.head else { return }
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
            let target = PushTarget(
                repository: repository,
                url: url,
                access: access,
                remote: remote,
                local: local.refs,
                engine: PushEngine.options(for: remote, in: configuration, pool: SSHSessionPool())
            )
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
        guard let snapshot = self.snapshot else {
            return ReplicationConfiguration.load(path: self.config, fileSystem: LocalConfigFileSystem())
        }
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
        /// Replicator's own engine, or `nil` for libgit2's push.
        let engine: SendPackOptions?
    }

    private func push(_ target: PushTarget) throws -> PushReport {
        let planner = UpdatePlanner(remote: target.remote)
        let refs = self.refs
        let full = self.full
        let allowMassDeletion = self.allowMassDeletion
        let knownValues = self.job.work.knownValues
        let plan = { (advertised: [String: ObjectID]) in
            full
                ? planner.planFullSync(local: target.local, remote: advertised, allowMassDeletion: allowMassDeletion)
                : planner.planDelta(
                    refs: refs,
                    local: target.local,
                    remote: advertised,
                    knownValues: knownValues,
                    allowMassDeletion: allowMassDeletion
                )
        }
        if let engine = target.engine {
            return try target.repository.sendPack(
                to: target.url,
                access: target.access,
                options: engine,
                progress: Self.announce,
                plan: plan
            )
        }
        return try target.repository.push(
            to: target.url,
            access: target.access,
            batchSize: target.remote.pushBatchSize,
            progress: Self.announce,
            plan: plan
        )
    }

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

/// A mirror's deletion could not be proven safe (its path, or the source still being there): reported
/// as a refusal, never retried.
struct DeletionRefused: Error {
    static let code = "deletionRefused"
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
