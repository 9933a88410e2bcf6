import Foundation
import ReplicationCore
import ReplicationGit

/// One push job (a project, a URL, its work), carried out in this process: by the daemon and
/// `start` directly, or by a `push-worker` process for the libgit2 fallback.
struct PushJobRun {
    let configuration: ReplicationConfiguration
    let job: PushWorkerJob
    let pool: SSHSessionPool
    let cancellation: PushCancellation?
    let announce: (PushProgress) -> Void
    /// Asked before anything is changed on the mirror (commands sent, the repository deleted, HEAD
    /// moved): `nil` lets it go, a reason stops it there (the daemon's lease fence).
    var beforeChanges: (@Sendable () -> String?)? = nil

    /// Runs the job `makeRun` describes; every failure becomes the output's error.
    static func output(_ makeRun: () throws -> PushJobRun) -> PushOutcome {
        var output = PushOutcome()
        do {
            try makeRun().run(into: &output)
        } catch let error as GitError {
            output.error = .init(code: FailureCode(error.code), message: error.message)
        } catch let error as SourceMissing {
            output.error = .init(code: SourceMissing.code, message: error.message)
        } catch let error as DeletionRefused {
            output.error = .init(code: DeletionRefused.code, message: error.message)
        } catch let error as TargetRefused {
            output.error = .init(code: TargetRefused.code, message: error.message)
        } catch {
            output.error = .init(code: .other, message: "\(error)")
        }
        return output
    }

    private var remote: String { self.job.remote }
    private var project: String { self.job.project }
    private var url: String { self.job.url }
    private var refs: [String] { self.job.work.refs.sorted() }
    private var full: Bool { self.job.work.fullSync }
    private var head: Bool { self.job.work.updateHead }
    private var deleteProject: Bool { self.job.work.deleteProject }
    private var allowMassDeletion: Bool { self.job.work.allowMassDeletion }

    func run(into output: inout PushOutcome) throws {
        let configuration = self.configuration
        guard configuration.isUsable, let remote = configuration.remote(named: self.remote) else {
            throw CommandFailure("the configuration has errors or no remote \(self.remote)")
        }
        let target = try RemoteURL(parsing: self.url)
        try self.refuseUnsafeTarget(target, remote: remote, basePath: configuration.gerrit.basePath)
        let (url, access) = SSHEndpoint.resolve(target, remote: remote)
        let path = ProjectDirectory.repositoryPath(of: self.project, under: configuration.gerrit.basePath)
        if self.deleteProject {
            let creator = RepositoryCreator(
                project: self.project,
                remote: remote,
                gerrit: configuration.gerrit,
                head: nil,
                access: access,
                pool: self.pool
            )
            guard !FileManager.default.fileExists(atPath: path) else {
                throw DeletionRefused(message: "not deleted: the source repository \(path) exists (again)")
            }
            try self.checkBeforeChanges()
            switch Result(catching: { () throws(GitError) in try creator.delete(url) }) {
            case .success(let deleted): output.deletedRepository = deleted
            case .failure(let error) where error.code == .invalid: throw DeletionRefused(message: error.message)
            case .failure(let error): throw error
            }
            self.announce(.connected)
        }
        guard self.full || !self.refs.isEmpty || self.head else { return }
        guard FileManager.default.fileExists(atPath: path) else {
            throw SourceMissing(message: "the source repository \(path) does not exist")
        }
        let repository = try GitRepository(path: path)
        let local = try self.readLocalRefs(of: repository, for: remote)
        let visibility = SiteAccess.shared.visibility(
            of: self.project,
            in: repository,
            refs: local.refs,
            remote: remote,
            basePath: configuration.gerrit.basePath
        )
        if let skip = UpdatePlanner(remote: remote, visibility: visibility).projectSkip(
            headTarget: local.headTarget,
            mode: full ? .full : .delta
        ) {
            // Nothing of this project goes to this remote: no push, no mirror created, no HEAD moved.
            output.report = PushReport(plan: skip, results: [])
            return
        }
        let isVisible = visibility.isVisible(refs: local.refs.names)
        let creator = RepositoryCreator(
            project: self.project,
            remote: remote,
            gerrit: configuration.gerrit,
            head: local.headTarget,
            access: access,
            pool: self.pool
        )
        var created = false
        if self.full || !self.refs.isEmpty {
            let target = PushTarget(
                repository: repository,
                url: url,
                access: access,
                remote: remote,
                local: local.refs,
                visibility: visibility,
                isVisible: isVisible,
                engine: PushEngine.options(
                    for: remote,
                    in: configuration,
                    pool: self.pool,
                    cancellation: self.cancellation,
                    beforeCommands: self.beforeChanges
                )
            )
            output.report = try self.push(target, creator: creator, created: &created)
        }
        guard isVisible else { return }  // no HEAD set where nothing may be seen
        if self.full || self.head, !created, let head = local.headTarget, output.report?.failure == nil {
            // A full sync also brings the mirror's HEAD in line (a new repository got it at creation).
            self.announce(.connected)
            try self.checkBeforeChanges()
            output.updatedHead = try creator.updateHead(url, to: head) ? head : nil
            output.report?.updatedHead = output.updatedHead
        }
    }

    private func checkBeforeChanges() throws(GitError) {
        guard let refusal = self.beforeChanges?() else { return }
        throw GitError(code: .network, function: "push", status: -1, message: refusal)
    }

    /// Nothing is created, written or deleted at a URL outside its template's directory, or at one that
    /// another live project maps to (a deletion there would remove that project's mirror).
    private func refuseUnsafeTarget(_ url: RemoteURL, remote: RemoteConfiguration, basePath: String) throws {
        if let problem = MirrorTargets.pathProblem(of: remote, project: self.project, url: url) {
            throw TargetRefused(message: "refusing \(url): \(problem)")
        }
        guard MirrorTargets.canCollide(remote) else { return }
        let sharers = MirrorTargets.sharers(
            of: url.description,
            project: self.project,
            live: try ProjectDirectory.projects(under: basePath),
            remote: remote,
            replicates: { remote.replicates(project: $0) }
        )
        guard !sharers.isEmpty else { return }
        let others = sharers.map { "'\($0)'" }.joined(separator: ", ")
        throw TargetRefused(
            message:
                "refusing \(url): projects '\(self.project)' and \(others) map to the same URL (remoteNameStyle = \(remote.remoteNameStyle.rawValue)); nothing is pushed to or deleted there until they map apart"
        )
    }

    private func push(_ target: PushTarget, creator: RepositoryCreator, created: inout Bool) throws -> PushReport {
        if target.isVisible { created = try creator.createIfMissingLocally(target.url) }
        var report: PushReport
        do {
            report = try self.push(target)
        } catch let error as GitError where error.code == .repositoryNotFound && !target.isVisible {
            // The remote may see nothing of the project: no mirror is created (docs/visibility.md).
            let plan = UpdatePlan(
                mode: self.full ? .full : .delta,
                updates: [],
                skipped: [SkippedRef(ref: "HEAD", reason: target.visibility.notCreatedReason)],
                blocked: nil,
                upToDate: 0
            )
            return PushReport(plan: plan, results: [])
        } catch let error as GitError
            where error.code == .repositoryNotFound && target.remote.createMissingRepositories
            && (target.url.transport == .ssh
                || ([.git, .http, .https].contains(target.url.transport) && !target.remote.adminUrls.isEmpty))
        {
            // git daemon and HTTP servers cannot create repositories: there, only an adminUrl can.
            // Create it and push at once, not a replicationRetry later (docs/gerrit-behaviour.md, "Pitfalls").
            try creator.create(target.url)
            created = true
            report = try self.push(target)
        }
        report.createdRepository = created
        return report
    }

    /// A full sync reads every ref; an event's push only those its plan may look up, unless the
    /// remote's visibility (authGroup) has to see every change of the project.
    private func readLocalRefs(of repository: GitRepository, for remote: RemoteConfiguration) throws(GitError)
        -> RepositoryRefs
    {
        guard !self.full, remote.authGroups.isEmpty else { return try repository.readRefs() }
        return try repository.readRefs(named: UpdatePlanner(remote: remote).localRefsRead(byDeltaOf: self.refs))
    }

    private struct PushTarget {
        let repository: GitRepository
        let url: RemoteURL
        let access: SSHAccess
        let remote: RemoteConfiguration
        let local: RefTable
        let visibility: ProjectVisibility
        /// Whether the remote may see any ref of the project (else it gets no mirror).
        let isVisible: Bool
        /// Replicator's own engine, or `nil` for libgit2's push.
        let engine: SendPackOptions?
    }

    private func push(_ target: PushTarget) throws -> PushReport {
        let planner = UpdatePlanner(remote: target.remote, visibility: target.visibility)
        let refs = self.refs
        let full = self.full
        let allowMassDeletion = self.allowMassDeletion
        let knownValues = self.job.work.knownValues
        let recent = self.job.work.recentDeletions ?? 0
        let plan = { (advertised: RefTable) in
            full
                ? planner.planFullSync(
                    local: target.local,
                    remote: advertised,
                    allowMassDeletion: allowMassDeletion,
                    recentDeletions: recent
                )
                : planner.planDelta(
                    refs: refs,
                    local: target.local,
                    remote: advertised,
                    knownValues: knownValues,
                    allowMassDeletion: allowMassDeletion,
                    recentDeletions: recent
                )
        }
        if let engine = target.engine {
            return try target.repository.sendPack(
                to: target.url,
                access: target.access,
                options: engine,
                progress: self.announce,
                plan: plan
            )
        }
        // libgit2 1.5's push has no push options and cannot size a pack: pushing anyway would drop
        // what the mirror asked for, or send more than the cap allows.
        for (key, needed) in [
            ("pushOption", !target.remote.pushOptions.isEmpty), ("maxPushSize", target.remote.maxPushSize > 0),
        ]
        where needed {
            throw GitError(
                code: .invalid,
                function: "push",
                status: -1,
                message:
                    "remote.\(target.remote.name).\(key) needs git on this host (replicator.gitPath): "
                    + "libgit2's push cannot honour it; nothing was sent"
            )
        }
        return try target.repository.push(
            to: target.url,
            access: target.access,
            batchSize: target.remote.pushBatchSize,
            progress: self.announce,
            plan: plan
        )
    }
}
