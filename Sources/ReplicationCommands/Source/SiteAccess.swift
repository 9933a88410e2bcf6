import Foundation
import ReplicationCore
import ReplicationGit
import Synchronization

/// Reads what a remote may see of a project from the source site (docs/visibility.md): the
/// project's `refs/meta/config` and its parents' up to All-Projects, and for remotes with
/// `authGroup` the site's groups from All-Users. Each project's rules are cached per
/// `refs/meta/config` id, so the next push after an access change sees the new rules.
/// The daemon keeps one for all its pushes, verifies and waits; a command makes its own.
final class SiteAccess: Sendable {
    static let allProjects = "All-Projects"
    static let allUsers = "All-Users"
    /// More parents than any real site has: a longer chain is a loop Gerrit would refuse.
    static let maxDepth = 32

    private struct CachedProject {
        var id: ObjectID?
        var access: Result<ProjectAccess, ConfigParseError>
        var groups: GerritGroups
    }

    private struct CachedGroups {
        var refs: [String: ObjectID]
        var names: [String: String]
        var subgroups: [String: [String]]
    }

    private struct CachedChange {
        var meta: ObjectID
        var facts: ChangeFacts?
    }

    private let projects = Mutex<[String: CachedProject]>([:])
    private let changes = Mutex<[String: [Int: CachedChange]]>([:])
    private let siteGroups = Mutex<CachedGroups?>(nil)

    /// What `remote` may see of `project`, whose repository is `repository` holding `refs`.
    func visibility(
        of project: String,
        in repository: GitRepository,
        refs: RefTable,
        remote: RemoteConfiguration,
        basePath: String
    ) -> ProjectVisibility {
        let own = self.load(project, repository: repository)
        let state = (try? own.access.get().state) ?? .active
        guard !remote.authGroups.isEmpty else { return ProjectVisibility(state: state, read: nil) }
        var levels: [ReadAccess.Level] = []
        var names: [String: String] = [:]
        var current: (name: String, entry: CachedProject)? = (project, own)
        while let (name, entry) = current {
            switch entry.access {
            case .failure(let error):
                return .unreadable(state: state, "cannot read the access rules of \(name): \(error)")
            case .success(let access):
                levels.append(ReadAccess.Level(project: name, access: access))
                names.merge(entry.groups.names.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                current = self.parent(of: name, access: access, after: levels, basePath: basePath)
            }
        }
        let site = self.groups(basePath: basePath)
        let user = RemoteSiteUser(
            authGroups: remote.authGroups,
            names: names.merging(site.names, uniquingKeysWith: { first, _ in first }),
            subgroups: site.subgroups
        )
        guard !user.groups.isEmpty else {
            let listed = remote.authGroups.joined(separator: ", ")
            return .unreadable(state: state, "authGroup \(listed) names no group of this site")
        }
        let read = ReadAccess(chain: levels, groups: user.groups)
        let changes = read.accessesDatabase ? [:] : self.changes(in: repository, refs: refs)
        return ProjectVisibility(state: state, read: read, changes: changes)
    }

    /// Each change's branch and privacy from its NoteDb meta ref, cached per meta id.
    private func changes(in repository: GitRepository, refs: RefTable) -> [Int: ChangeFacts] {
        let numbers = Set(refs.names.compactMap(ChangeFacts.changeNumber(of:)))
        guard !numbers.isEmpty else { return [:] }
        var cached = self.changes.withLock { $0[repository.path] } ?? [:]
        var facts: [Int: ChangeFacts] = [:]
        for number in numbers {
            guard let meta = refs[ChangeFacts.metaRef(of: number)] else { continue }
            if cached[number]?.meta != meta {
                cached[number] = CachedChange(meta: meta, facts: repository.changeFacts(meta: meta))
            }
            facts[number] = cached[number]?.facts
        }
        cached = cached.filter { numbers.contains($0.key) }
        self.changes.withLock { $0[repository.path] = cached }
        return facts
    }

    /// The next project up: `inheritFrom`, else All-Projects; a missing parent is skipped for
    /// All-Projects, as Gerrit does, and a loop ends the chain.
    private func parent(
        of name: String,
        access: ProjectAccess,
        after levels: [ReadAccess.Level],
        basePath: String
    ) -> (String, CachedProject)? {
        guard name != Self.allProjects, levels.count < Self.maxDepth else { return nil }
        let visited = Set(levels.map(\.project))
        for candidate in [access.parent, Self.allProjects].compactMap({ $0 }) where !visited.contains(candidate) {
            let path = ProjectDirectory.repositoryPath(of: candidate, under: basePath)
            guard let repository = try? GitRepository(path: path) else { continue }
            return (candidate, self.load(candidate, repository: repository))
        }
        return nil
    }

    private func load(_ project: String, repository: GitRepository) -> CachedProject {
        let id = repository.id(of: "refs/meta/config")
        if let cached = self.projects.withLock({ $0[repository.path] }), cached.id == id { return cached }
        let groups = GerritGroups(parsing: id == nil ? "" : repository.file("groups", at: "refs/meta/config") ?? "")
        let text = id == nil ? "" : repository.file("project.config", at: "refs/meta/config") ?? ""
        let access = Result { () throws(ConfigParseError) in
            try ProjectAccess(projectConfig: text, groups: groups, file: "\(project):refs/meta/config:project.config")
        }
        let entry = CachedProject(id: id, access: access, groups: groups)
        self.projects.withLock { $0[repository.path] = entry }
        return entry
    }

    /// The groups `authGroup`s are resolved against, for `config check`: All-Projects' `groups` file
    /// and All-Users' groups; `nil` when neither is there, with where they were looked for.
    func knownGroups(basePath: String) -> (groups: GerritGroups?, source: String) {
        let path = ProjectDirectory.repositoryPath(of: Self.allProjects, under: basePath)
        let allProjects = (try? GitRepository(path: path)).map { self.load(Self.allProjects, repository: $0) }
        let file = allProjects?.id == nil ? nil : allProjects?.groups
        let users = self.groups(basePath: basePath).names
        var groups = file
        if !users.isEmpty {
            groups = groups ?? GerritGroups(parsing: "")
            for (name, uuid) in users { groups?.names[uuid] = name }
        }
        let source =
            switch (file == nil, users.isEmpty) {
            case (true, true): "no refs/meta/config:groups in \(path), no groups in All-Users"
            case (false, true): "All-Projects' groups file"
            case (true, false): "All-Users' groups"
            case (false, false): "All-Projects' groups file and All-Users' groups"
            }
        return (groups, source)
    }

    /// Group names and subgroups from All-Users' `refs/groups/*` (`group.config`, `subgroups`).
    private func groups(basePath: String) -> CachedGroups {
        let path = ProjectDirectory.repositoryPath(of: Self.allUsers, under: basePath)
        guard let repository = try? GitRepository(path: path),
            let refs = try? repository.refs(matching: "refs/groups/*")
        else { return CachedGroups(refs: [:], names: [:], subgroups: [:]) }
        if let cached = self.siteGroups.withLock({ $0 }), cached.refs == refs { return cached }
        var site = CachedGroups(refs: refs, names: [:], subgroups: [:])
        for ref in refs.keys {
            // refs/groups/<first two characters>/<UUID>
            let uuid = String(ref.dropFirst("refs/groups/".count).drop(while: { $0 != "/" }).dropFirst())
            guard !uuid.isEmpty else { continue }
            if let text = repository.file("group.config", at: ref),
                let config = try? GitConfigParser.parse(text, file: "\(ref):group.config"),
                let name = config.entries.first(where: { $0.section.name == "group" && $0.name == "name" })?.value
            {
                site.names[name] = uuid
            }
            let members = repository.file("subgroups", at: ref) ?? ""
            site.subgroups[uuid] = members.split(whereSeparator: \.isNewline).map { $0.trimmingConfigWhitespace() }
                .filter { !$0.isEmpty }
        }
        self.siteGroups.withLock { $0 = site }
        return site
    }
}
