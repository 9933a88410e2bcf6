/// How one push job (a project, a URL, its ``PushWork``) is carried out at the project level:
/// whether the mirror is deleted, which source refs are read, whether the push is skipped, what
/// happens when the mirror does not exist, and whether HEAD is moved. Decided from facts the
/// executor (`PushJobRun`) reads; it does no I/O, so each decision is tested on its own.
package struct PushPolicy: Sendable {
    package let work: PushWork
    package let remote: RemoteConfiguration

    package init(work: PushWork, remote: RemoteConfiguration) {
        self.work = work
        self.remote = remote
    }

    // MARK: Project deletion

    package enum Deletion: Equatable, Sendable {
        /// The work deletes no mirror.
        case none
        /// Delete the mirror repository (after the fence allows changes).
        case delete
        /// Refused, with the reason: the source exists (again), so its mirror is not deleted.
        case refuse(String)
    }

    /// `project-deleted`: the mirror goes only while the source is really gone.
    package func deletion(sourceExists: Bool, sourcePath: String) -> Deletion {
        guard self.work.deleteProject else { return .none }
        guard !sourceExists else { return .refuse("not deleted: the source repository \(sourcePath) exists (again)") }
        return .delete
    }

    // MARK: Reading the source

    /// Whether anything but a deletion is asked (refs, a full sync or HEAD): only then is the
    /// source read.
    package var needsSource: Bool { self.work.fullSync || !self.work.refs.isEmpty || self.work.updateHead }

    /// Whether refs are pushed (HEAD alone moves no ref).
    package var pushesRefs: Bool { self.work.fullSync || !self.work.refs.isEmpty }

    package var mode: UpdatePlan.Mode { self.work.fullSync ? .full : .delta }

    /// The source refs to read, `nil` for all: a full sync reads every ref; an event's push only
    /// those its plan may look up, unless the remote's visibility (authGroup) has to see every
    /// change of the project.
    package var sourceRefs: Set<String>? {
        guard !self.work.fullSync, self.remote.authGroups.isEmpty else { return nil }
        return UpdatePlanner(remote: self.remote).localRefsRead(byDeltaOf: self.work.refs.sorted())
    }

    // MARK: Pushing

    /// The plan against the refs the mirror advertised.
    package func plan(with planner: UpdatePlanner, local: RefTable, advertised: RefTable) -> UpdatePlan {
        let recent = self.work.recentDeletions ?? 0
        guard !self.work.fullSync else {
            return planner.planFullSync(
                local: local,
                remote: advertised,
                allowMassDeletion: self.work.allowMassDeletion,
                recentDeletions: recent
            )
        }
        return planner.planDelta(
            refs: self.work.refs.sorted(),
            local: local,
            remote: advertised,
            knownValues: self.work.knownValues,
            allowMassDeletion: self.work.allowMassDeletion,
            recentDeletions: recent
        )
    }

    package enum MissingMirror: Equatable, Sendable {
        /// Nothing of the project may be seen there: no mirror is created, this plan is the report.
        case skip(UpdatePlan)
        /// Create the repository and push again at once (not a `replicationRetry` later).
        case createAndPushAgain
        /// The error stands: the mirror cannot be created from here.
        case fail
    }

    /// The mirror answered that the repository does not exist. git daemon and HTTP servers cannot
    /// create repositories: there, only an `adminUrl` can (docs/gerrit-behaviour.md, "Pitfalls").
    package func missingMirror(at url: RemoteURL, visibility: ProjectVisibility, isVisible: Bool) -> MissingMirror {
        guard isVisible else {
            let skip = SkippedRef(ref: "HEAD", reason: visibility.notCreatedReason)
            return .skip(UpdatePlan(mode: self.mode, updates: [], skipped: [skip], blocked: nil, upToDate: 0))
        }
        guard self.remote.createMissingRepositories else { return .fail }
        switch url.transport {
        case .ssh: return .createAndPushAgain
        case .git, .http, .https: return self.remote.adminUrls.isEmpty ? .fail : .createAndPushAgain
        // A local mirror was created before the push (when visible); anything else has no way.
        case .local, .other: return .fail
        }
    }

    // MARK: HEAD

    /// Where the mirror's HEAD is moved after the push, if anywhere: a full sync (or a HEAD
    /// event) brings it in line, unless the push failed, the mirror was just created (it got HEAD
    /// then), or the remote may see nothing of the project.
    package func headUpdate(headTarget: String?, isVisible: Bool, created: Bool, pushFailed: Bool) -> String? {
        guard isVisible, self.work.fullSync || self.work.updateHead, !created, !pushFailed else { return nil }
        return headTarget
    }
}
