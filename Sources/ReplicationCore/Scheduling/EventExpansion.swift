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

    /// Every target the event concerns, with what to do there.
    package func targets(of event: ReplicationEvent) -> [(target: PushTarget, work: PushWork)] {
        self.remotes(for: event).flatMap { remote -> [(target: PushTarget, work: PushWork)] in
            guard let work = self.work(for: event, on: remote) else { return [] }
            return self.urls(of: remote, for: event).map { url in
                (PushTarget(remote: remote.name, url: url.description, project: event.project), work)
            }
        }
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
                return self.replicates(remote, event.project)
            case .allowDeletions:
                return (event.remotes.isEmpty || event.remotes.contains(remote.name))
                    && self.replicates(remote, event.project)
            }
        }
    }

    private func work(for event: ReplicationEvent, on remote: RemoteConfiguration) -> PushWork? {
        switch event.kind {
        case .projectDeleted: return PushWork(deleteProject: true)
        case .fullSync: return PushWork(fullSync: true, allowMassDeletion: event.allowMassDeletion)
        case .headUpdated: return PushWork(updateHead: true)
        case .allowDeletions: return PushWork(allowMassDeletion: true)
        case .refUpdated:
            // Gerrit's `wouldPushRef`: a push refspec takes the ref as its source.
            let refs = event.refs.filter { ref in
                if ref == "refs/meta/config", !remote.replicatePermissions { return false }
                return remote.push.mapping(forSource: ref) != nil
            }
            guard !refs.isEmpty else { return nil }
            let values = (event.refValues ?? [:]).filter { refs.contains($0.key) }.mapValues(Set.init)
            return PushWork(refs: Set(refs), knownValues: values)
        }
    }

    private func urls(of remote: RemoteConfiguration, for event: ReplicationEvent) -> [RemoteURL] {
        ReplicationSelection(projects: [], urlSubstring: event.urlSubstring).urls(of: remote, for: event.project)
    }
}
