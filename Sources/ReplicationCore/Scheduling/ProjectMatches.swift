/// Which remotes' `projects`/`excludeProjects` filters take which projects, answered before the
/// engine's state sees the events that name them. The answers come from outside (the daemon's
/// bounded matcher runs `^regex` filters on a thread with a time limit), so the state that plans
/// from them stays pure: it only looks them up.
package struct ProjectMatches: Sendable, Equatable {
    private struct Pair: Hashable {
        var remote: String
        var project: String
    }

    private var taken: Set<Pair> = []

    package init() {}

    /// Asks `replicates` once per remote of `remotes` and project of `projects`.
    package init(
        projects: some Sequence<String>,
        remotes: [RemoteConfiguration],
        replicates: (RemoteConfiguration, String) -> Bool
    ) {
        for project in Set(projects) {
            for remote in remotes where replicates(remote, project) {
                self.taken.insert(Pair(remote: remote.name, project: project))
            }
        }
    }

    /// The answers for `events`' projects under `configuration`.
    package init(
        of events: [StoredEvent],
        in configuration: ReplicationConfiguration,
        replicates: (RemoteConfiguration, String) -> Bool
    ) {
        self.init(projects: events.map(\.event.project), remotes: configuration.remotes, replicates: replicates)
    }

    /// Whether `remote` takes `project`; a pair never asked about is not taken.
    package func replicates(_ remote: RemoteConfiguration, _ project: String) -> Bool {
        self.taken.contains(Pair(remote: remote.name, project: project))
    }
}
