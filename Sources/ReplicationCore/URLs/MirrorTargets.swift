/// Whether a project's mirror URL is safe to write: inside its template's directory, and not shared
/// with another live project (`remoteNameStyle = dash` maps `infra/tools` and `infra-tools` to one
/// repository; `basenameOnly` maps every `*/app`; a URL without `${name}` maps every project).
package enum MirrorTargets {
    /// The template of `remote` that expands to `url` for `project`, if any.
    package static func template(of remote: RemoteConfiguration, project: String, url: String) -> URLTemplate? {
        remote.urls.first { $0.expand(project: project, style: remote.remoteNameStyle).description == url }
    }

    /// Why the mirror of `project` at `url` must not be created, written or deleted because of where
    /// it lies: a `${name}` expansion must stay strictly below the template's fixed directory (a
    /// `basenameOnly` name such as `team/...x` became `..`, the base's parent).
    package static func pathProblem(of remote: RemoteConfiguration, project: String, url: RemoteURL) -> String? {
        guard let template = self.template(of: remote, project: project, url: url.description),
            template.hasNamePlaceholder
        else { return nil }
        return template.deletionProblem(at: url.path).map { "project '\(project)' maps to an unsafe path: \($0)" }
    }

    /// Whether two different project names can map to one URL of `remote`.
    package static func canCollide(_ remote: RemoteConfiguration) -> Bool {
        remote.remoteNameStyle != .slash || remote.urls.contains { !$0.hasNamePlaceholder }
    }

    /// The projects among `live` other than `project` that `remote` replicates to `url` too.
    package static func sharers(
        of url: String,
        project: String,
        live: [String],
        remote: RemoteConfiguration,
        replicates: (String) -> Bool
    ) -> [String] {
        guard self.canCollide(remote) else { return [] }
        return live.filter { other in
            other != project && replicates(other)
                && remote.urls(forProject: other).contains { $0.description == url }
        }
    }

    /// Every URL of `remote` that two or more of `projects` map to, with those projects (sorted).
    package static func collisions(
        among projects: [String],
        remote: RemoteConfiguration,
        replicates: (String) -> Bool
    ) -> [(url: String, projects: [String])] {
        guard self.canCollide(remote) else { return [] }
        var byURL: [String: [String]] = [:]
        for project in projects where replicates(project) {
            for url in Set(remote.urls(forProject: project).map(\.description)) {
                byURL[url, default: []].append(project)
            }
        }
        return byURL.filter { $0.value.count > 1 }.map { (url: $0.key, projects: $0.value.sorted()) }
            .sorted { $0.url < $1.url }
    }

    /// `config check`'s error for each URL of `remote` shared by live projects.
    package static func diagnostics(
        among projects: [String],
        remote: RemoteConfiguration,
        replicates: (String) -> Bool
    ) -> [ConfigDiagnostic] {
        self.collisions(among: projects, remote: remote, replicates: replicates).map { collision in
            let names = collision.projects.map { "'\($0)'" }.joined(separator: ", ")
            return .error(
                .nameCollision,
                key: "remote.\(remote.name).url",
                at: remote.location,
                "projects \(names) all map to \(Credentials.redact(collision.url)) (remoteNameStyle = \(remote.remoteNameStyle.rawValue)); nothing is pushed to or deleted at that URL until they map apart"
            )
        }
    }
}
