import Foundation
import ReplicationCore
import ReplicationGit

/// One push job (a project, a URL, its work), carried out in this process: by the daemon and
/// `start` directly, or by a `push-worker` process for the libgit2 fallback.
struct PushJobRun {
    let configuration: ReplicationConfiguration
    let job: PushWorkerJob
    let pool: SSHSessionPool
    let site: SiteAccess
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

    func run(into output: inout PushOutcome) throws {
        let configuration = self.configuration
        guard configuration.isUsable, let remote = configuration.remote(named: self.remote) else {
            throw CommandFailure("the configuration has errors or no remote \(self.remote)")
        }
        let policy = PushPolicy(work: self.job.work, remote: remote)
        let target = try RemoteURL(parsing: self.url)
        try self.refuseUnsafeTarget(target, remote: remote, basePath: configuration.gerrit.basePath)
        let (url, access) = SSHEndpoint.resolve(target, remote: remote)
        let basePath = configuration.gerrit.basePath
        let path = ProjectDirectory.repositoryPath(of: self.project, under: basePath)
        let sourceExists = FileManager.default.fileExists(atPath: path)
        switch policy.deletion(sourceExists: sourceExists, sourcePath: path) {
        case .none: break
        case .refuse(let reason): throw DeletionRefused(message: reason)
        case .delete: try self.deleteMirror(url, remote: remote, access: access, into: &output)
        }
        guard policy.needsSource else { return }
        let source: SourceSnapshot
        do {
            let refs = policy.sourceRefs.map(SourceSnapshot.Refs.named) ?? .all
            source = try SourceSnapshot(self.project, basePath: basePath, refs: refs, site: self.site)
        } catch {
            guard let cause = error.cause else { throw SourceMissing(message: error.message) }
            throw cause
        }
        let view = source.view(for: remote)
        if let skip = view.projectSkip(mode: policy.mode) {
            // Nothing of this project goes to this remote: no push, no mirror created, no HEAD moved.
            output.report = PushReport(plan: skip, results: [])
            return
        }
        let isVisible = view.isVisible
        let creator = self.creator(for: remote, head: source.local.headTarget, access: access)
        var created = false
        if policy.pushesRefs {
            let target = PushTarget(
                source: source,
                view: view,
                policy: policy,
                url: url,
                access: access,
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
        let head = policy.headUpdate(
            headTarget: source.local.headTarget,
            isVisible: isVisible,
            created: created,
            pushFailed: output.report?.failure != nil
        )
        guard let head else { return }
        self.announce(.connected)
        try self.checkBeforeChanges()
        output.updatedHead = try creator.updateHead(url, to: head) ? head : nil
        output.report?.updatedHead = output.updatedHead
    }

    private func deleteMirror(
        _ url: RemoteURL,
        remote: RemoteConfiguration,
        access: SSHAccess,
        into output: inout PushOutcome
    ) throws {
        let creator = self.creator(for: remote, head: nil, access: access)
        try self.checkBeforeChanges()
        switch Result(catching: { () throws(GitError) in try creator.delete(url) }) {
        case .success(let deleted): output.deletedRepository = deleted
        case .failure(let error) where error.code == .invalid: throw DeletionRefused(message: error.message)
        case .failure(let error): throw error
        }
        self.announce(.connected)
    }

    private func creator(for remote: RemoteConfiguration, head: String?, access: SSHAccess) -> RepositoryCreator {
        RepositoryCreator(
            project: self.project,
            remote: remote,
            gerrit: self.configuration.gerrit,
            head: head,
            access: access,
            pool: self.pool
        )
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
        if target.view.isVisible { created = try creator.createIfMissingLocally(target.url) }
        var report: PushReport
        do {
            report = try self.push(target)
        } catch let error as GitError where error.code == .repositoryNotFound {
            let visibility = target.view.visibility
            switch target.policy.missingMirror(at: target.url, visibility: visibility, isVisible: target.view.isVisible)
            {
            case .skip(let plan): return PushReport(plan: plan, results: [])
            case .fail: throw error
            case .createAndPushAgain:
                try creator.create(target.url)
                created = true
                report = try self.push(target)
            }
        }
        report.createdRepository = created
        return report
    }

    private struct PushTarget {
        let source: SourceSnapshot
        let view: SourceView
        let policy: PushPolicy
        let url: RemoteURL
        let access: SSHAccess
        /// Replicator's own engine, or `nil` for libgit2's push.
        let engine: SendPackOptions?

        var remote: RemoteConfiguration { self.policy.remote }
    }

    private func push(_ target: PushTarget) throws -> PushReport {
        let (policy, planner, local) = (target.policy, target.view.planner, target.source.local.refs)
        let plan = { (advertised: RefTable) in policy.plan(with: planner, local: local, advertised: advertised) }
        if let engine = target.engine {
            return try target.source.repository.sendPack(
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
        return try target.source.repository.push(
            to: target.url,
            access: target.access,
            batchSize: target.remote.pushBatchSize,
            progress: self.announce,
            plan: plan
        )
    }
}
