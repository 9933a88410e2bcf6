import ReplicationCore
import ReplicationGit

/// Lists every selected URL's refs and plans a full sync against them; changes nothing anywhere.
struct DryRun {
    let configuration: ReplicationConfiguration
    let selection: ReplicationSelection
    let allowMassDeletion: Bool
    let pool = SSHSessionPool()

    func run() throws -> PlanReport {
        defer { self.pool.closeAll() }
        let projects = try self.selection.projects(in: self.configuration)
        var report = PlanReport(errors: projects.missing)
        for project in projects.selected {
            self.plan(project, into: &report)
        }
        return report
    }

    private func plan(_ project: String, into report: inout PlanReport) {
        let targets = self.selection.targets(for: project, in: self.configuration)
        guard !targets.isEmpty else { return }
        let path = ProjectDirectory.repositoryPath(of: project, under: self.configuration.gerrit.basePath)
        let repository: GitRepository
        let local: RepositoryRefs
        do {
            repository = try GitRepository(path: path)
            local = try repository.readRefs()
        } catch {
            report.errors.append(
                .init(project: project, remote: nil, url: nil, message: "cannot read \(path): \(error.message)")
            )
            return
        }
        for target in targets {
            do {
                report.plans.append(try self.plan(target, repository: repository, local: local))
            } catch {
                report.errors.append(
                    .init(
                        project: project,
                        remote: target.remote.name,
                        url: target.url.description,
                        message: error.message
                    )
                )
            }
        }
    }

    private func plan(_ target: ReplicationTarget, repository: GitRepository, local: RepositoryRefs) throws(GitError)
        -> PlanReport.Plan
    {
        let visibility = SiteAccess.shared.visibility(
            of: target.project,
            in: repository,
            refs: local.refs,
            remote: target.remote,
            basePath: self.configuration.gerrit.basePath
        )
        let planner = UpdatePlanner(remote: target.remote, visibility: visibility)
        if let skip = planner.projectSkip(headTarget: local.headTarget, mode: .full) {
            return PlanReport.Plan(
                project: target.project,
                remote: target.remote.name,
                url: target.url.description,
                plan: skip,
                updates: [],
                remoteMissing: false
            )
        }
        let endpoint = SSHEndpoint.resolve(target.url, remote: target.remote)
        var remoteRefs = RefTable()
        var remoteMissing = false
        do {
            remoteRefs = try repository.listRemoteRefs(
                url: endpoint.url,
                access: endpoint.access,
                options: PushEngine.options(for: target.remote, in: self.configuration, pool: self.pool)
            )
        } catch  where error.code == .repositoryNotFound && target.remote.createMissingRepositories {
            remoteMissing = true
        }
        var plan = planner.planFullSync(
            local: local.refs,
            remote: remoteRefs,
            allowMassDeletion: self.allowMassDeletion
        )
        if remoteMissing, !visibility.isVisible(refs: local.refs.names) {
            // Nothing would be created there (PushJobRun): say so instead of listing creations.
            plan.skipped.insert(
                SkippedRef(ref: "HEAD", reason: visibility.notCreatedReason),
                at: 0
            )
            remoteMissing = false
        }
        let updates = plan.updates.map { update in
            let fastForward =
                update.action == .update
                ? update.oldID.flatMap { old in update.newID.flatMap { repository.isFastForward(from: old, to: $0) } }
                : nil
            return PlanReport.Update(update: update, fastForward: fastForward)
        }
        return PlanReport.Plan(
            project: target.project,
            remote: target.remote.name,
            url: target.url.description,
            plan: plan,
            updates: updates,
            remoteMissing: remoteMissing
        )
    }
}
