import ReplicationCore
import ReplicationGit

/// Lists every selected URL's refs and plans a full sync against them; changes nothing anywhere.
struct DryRun {
    let configuration: ReplicationConfiguration
    let selection: ReplicationSelection
    let allowMassDeletion: Bool
    let site: SiteAccess
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
        let source: SourceSnapshot
        do {
            source = try SourceSnapshot(project, basePath: self.configuration.gerrit.basePath, site: self.site)
        } catch {
            report.errors.append(.init(project: project, remote: nil, url: nil, message: error.message))
            return
        }
        for target in targets {
            do {
                report.plans.append(try self.plan(target, source: source))
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

    private func plan(_ target: ReplicationTarget, source: SourceSnapshot) throws(GitError) -> PlanReport.Plan {
        let view = source.view(for: target.remote)
        if let skip = view.projectSkip(mode: .full) {
            return PlanReport.Plan(
                project: target.project,
                remote: target.remote.name,
                url: target.url.description,
                plan: skip,
                updates: [],
                remoteMissing: false
            )
        }
        let (repository, local) = (source.repository, source.local)
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
        var plan = view.planner.planFullSync(
            local: local.refs,
            remote: remoteRefs,
            allowMassDeletion: self.allowMassDeletion
        )
        if remoteMissing, !view.isVisible {
            // Nothing would be created there (PushJobRun): say so instead of listing creations.
            plan.skipped.insert(
                SkippedRef(ref: "HEAD", reason: view.visibility.notCreatedReason),
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
