/// One push destination: a project, a remote and one of its URLs expanded for the project.
package struct ReplicationTarget: Sendable {
    package var project: String
    package var remote: RemoteConfiguration
    package var url: RemoteURL

    package init(project: String, remote: RemoteConfiguration, url: RemoteURL) {
        self.project = project
        self.remote = remote
        self.url = url
    }
}

/// What `replicator start` selects: Gerrit's `--all` / project patterns, `--remote`, `--url`.
package struct ReplicationSelection: Sendable {
    package var projects: [ProjectPattern]
    /// `nil` selects every project.
    package var selectsAllProjects: Bool { self.projects.isEmpty }
    /// Remote names; empty selects every remote.
    package var remotes: Set<String>
    /// A substring of the URL template or of the expanded URL; `nil` selects every URL.
    package var urlSubstring: String?

    package init(projects: [ProjectPattern], remotes: Set<String> = [], urlSubstring: String? = nil) {
        self.projects = projects
        self.remotes = remotes
        self.urlSubstring = urlSubstring
    }

    /// The projects of `available` that are selected, in order.
    package func selectedProjects(from available: [String]) -> [String] {
        guard !self.selectsAllProjects else { return available }
        return available.filter { project in self.projects.contains { $0.matches(project) } }
    }

    /// Exact project names asked for that do not exist: each is an error, not a silent no-op.
    package func missingProjects(among available: [String]) -> [String] {
        let existing = Set(available)
        return self.projects.filter { $0.kind == .exact && !existing.contains($0.text) }.map(\.text)
    }

    /// Every URL of every selected remote that replicates `project`.
    package func targets(for project: String, in configuration: ReplicationConfiguration) -> [ReplicationTarget] {
        configuration.remotes.filter { self.remotes.isEmpty || self.remotes.contains($0.name) }
            .filter { $0.replicates(project: project) }
            .flatMap { remote in
                self.urls(of: remote, for: project).map { ReplicationTarget(project: project, remote: remote, url: $0) }
            }
    }

    /// The selected URLs of `remote`, expanded for `project` (whether the remote replicates the
    /// project is the caller's question).
    package func urls(of remote: RemoteConfiguration, for project: String) -> [RemoteURL] {
        remote.urls.filter { self.matchesURL($0, project: project, remote: remote) }
            .map { $0.expand(project: project, style: remote.remoteNameStyle) }
    }

    /// Gerrit's `Destination.matches`: the template or the expanded URL contains the substring.
    private func matchesURL(_ template: URLTemplate, project: String, remote: RemoteConfiguration) -> Bool {
        guard let substring = self.urlSubstring, !substring.isEmpty, substring != "*" else { return true }
        let expanded = template.expand(project: project, style: remote.remoteNameStyle).description
        return template.text.contains(substring) || template.description.contains(substring)
            || expanded.contains(substring)
    }
}
