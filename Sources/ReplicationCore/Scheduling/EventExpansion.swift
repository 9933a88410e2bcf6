/// Turns an event into the work each mirror needs under one configuration (Gerrit's
/// `ReplicationQueue.fire` → `pushReferences`, and `onProjectDeleted`).
package struct EventExpansion: Sendable {
    package let configuration: ReplicationConfiguration
    /// Whether a remote's `projects`/`excludeProjects` take a project. The daemon passes a bounded,
    /// memoized matcher: a pathological regex must not stall its loop.
    private let replicates: @Sendable (RemoteConfiguration, String) -> Bool

    package init(
        configuration: ReplicationConfiguration,
        replicates: @escaping @Sendable (RemoteConfiguration, String) -> Bool = { $0.replicates(project: $1) }
    ) {
        self.configuration = configuration
        self.replicates = replicates
    }

    /// What an event means under the configuration: the work for each target, and the event's refs
    /// that a remote takes no push for, with the planner's reason.
    package struct Expansion {
        package var targets: [(target: PushTarget, work: PushWork)] = []
        package var skipped: [(remote: String, ref: String, reason: String)] = []
    }

    /// `rotation` picks among a remote's URLs where its `urlDistributionStrategy` says so, and takes
    /// its turn; the engine keeps it from event to event.
    package func expand(_ event: ReplicationEvent, rotation: inout URLRotation) -> Expansion {
        var expansion = Expansion()
        for remote in self.remotes(for: event) {
            let (work, skipped) = self.work(for: event, on: remote)
            expansion.skipped += skipped.map { (remote.name, $0.ref, $0.reason) }
            guard let work else { continue }
            expansion.targets += self.urls(of: remote, for: event, rotation: &rotation).map { url in
                (PushTarget(remote: remote.name, url: url.description, project: event.project), work)
            }
        }
        return expansion
    }

    /// The same with a rotation of its own (which URL a round-robin remote gets is then the first).
    package func expand(_ event: ReplicationEvent) -> Expansion {
        var rotation = URLRotation()
        return self.expand(event, rotation: &rotation)
    }

    /// Every target the event concerns, with what to do there.
    package func targets(of event: ReplicationEvent) -> [(target: PushTarget, work: PushWork)] {
        self.expand(event).targets
    }

    private func remotes(for event: ReplicationEvent) -> [RemoteConfiguration] {
        self.configuration.remotes.filter { remote in
            switch event.kind {
            case .projectDeleted:
                // Unlike Gerrit (docs/gerrit-behaviour.md, "Pitfalls"), only remotes whose `projects` filter covers the project.
                return remote.replicateProjectDeletions && self.replicates(remote, event.project)
            case .fullSync:
                return (event.remotes.isEmpty || event.remotes.contains(remote.name))
                    && self.replicates(remote, event.project)
            case .refUpdated, .headUpdated:
                // Gerrit's events name no remote; a reconcile's repair names the one it verified.
                return (event.remotes.isEmpty || event.remotes.contains(remote.name))
                    && self.replicates(remote, event.project)
            case .allowDeletions:
                return (event.remotes.isEmpty || event.remotes.contains(remote.name))
                    && self.replicates(remote, event.project)
            }
        }
    }

    private func work(for event: ReplicationEvent, on remote: RemoteConfiguration) -> (PushWork?, [SkippedRef]) {
        switch event.kind {
        case .projectDeleted: return (PushWork(deleteProject: true), [])
        case .fullSync: return (PushWork(fullSync: true, allowMassDeletion: event.allowMassDeletion), [])
        case .headUpdated: return (PushWork(updateHead: true), [])
        case .allowDeletions: return (PushWork(allowMassDeletion: true), [])
        case .refUpdated where !remote.authGroups.isEmpty && event.refs.contains("refs/meta/config"):
            // The project's access rules changed: what the remote may see is planned again in
            // full, so refs that stopped being visible leave it (docs/visibility.md).
            return (PushWork(fullSync: true), [])
        case .refUpdated:
            // Gerrit's `wouldPushRef`, with the planner's rules: refs that can come to no update
            // schedule no push.
            let planner = UpdatePlanner(remote: remote)
            var refs: Set<String> = []
            var skipped: [SkippedRef] = []
            for ref in event.refs {
                if let reason = planner.eventSkipReason(for: ref) {
                    skipped.append(SkippedRef(ref: ref, reason: reason))
                } else {
                    refs.insert(ref)
                }
            }
            guard !refs.isEmpty else { return (nil, skipped) }
            let values = (event.refValues ?? [:]).filter { refs.contains($0.key) }.mapValues(Set.init)
            return (PushWork(refs: refs, knownValues: values), skipped)
        }
    }

    private func urls(of remote: RemoteConfiguration, for event: ReplicationEvent, rotation: inout URLRotation)
        -> [RemoteURL]
    {
        let urls = ReplicationSelection(projects: [], urlSubstring: event.urlSubstring).urls(
            of: remote,
            for: event.project
        )
        // An event that names its URLs (a retry, a repair after verification) goes exactly there.
        guard let exact = event.urls else { return rotation.select(urls, remote: remote, project: event.project) }
        return urls.filter { exact.contains($0.description) }
    }
}
