import ArgumentParser
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
    @Option(name: .customLong("ref"), help: "Push only these refs (delta mode); none means a full sync.")
    var refs: [String] = []
    @Flag(name: .long) var allowMassDeletion = false

    func run() throws {
        LibGit2.initialize()
        let output: PushWorkerOutput
        do {
            output = .init(report: try self.push(), error: nil)
        } catch let error as GitError {
            output = .init(report: nil, error: .init(code: error.code.rawValue, message: error.message))
        } catch {
            output = .init(report: nil, error: .init(code: GitError.Code.other.rawValue, message: "\(error)"))
        }
        FileHandle.standardOutput.write(try JSONEncoder().encode(output))
    }

    private func push() throws -> PushReport {
        let configuration = ReplicationConfiguration.load(path: self.config, fileSystem: LocalConfigFileSystem())
        guard configuration.isUsable, let remote = configuration.remote(named: self.remote) else {
            throw CommandFailure("the configuration has errors or no remote \(self.remote)")
        }
        let path = ProjectDirectory.repositoryPath(of: self.project, under: configuration.gerrit.basePath)
        let repository = try GitRepository(path: path)
        let local = try repository.readRefs()
        let url = try RemoteURL(parsing: self.url)
        let created = try Self.createIfMissing(url, remote: remote, head: local.headTarget)
        let planner = UpdatePlanner(remote: remote)
        let access = SSHAccess(identityFile: remote.identityFile, knownHostsFile: remote.knownHostsFile)
        var report = try repository.push(
            to: url,
            access: access,
            batchSize: remote.pushBatchSize,
            progress: Self.announce
        ) {
            advertised in
            self.refs.isEmpty
                ? planner.planFullSync(local: local.refs, remote: advertised, allowMassDeletion: self.allowMassDeletion)
                : planner.planDelta(refs: self.refs, local: local.refs, remote: advertised)
        }
        report.createdRepository = created
        return report
    }

    /// Local mirrors are created on the spot; over ssh that needs the admin channel (not built yet).
    private static func createIfMissing(_ url: RemoteURL, remote: RemoteConfiguration, head: String?) throws -> Bool {
        guard url.transport == .local, !FileManager.default.fileExists(atPath: url.path) else { return false }
        guard remote.createMissingRepositories else {
            throw GitError(
                code: .repositoryNotFound,
                function: "push",
                status: -3,
                message: "\(url.path) does not exist and remote.\(remote.name).createMissingRepositories is false"
            )
        }
        try GitRepository.createBare(at: url.path, head: head, storeRefLog: remote.storeRefLog)
        return true
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
}
